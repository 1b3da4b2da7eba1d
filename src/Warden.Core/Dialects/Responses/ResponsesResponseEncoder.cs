using System.Buffers;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Responses;

/// <summary>
/// Encodes a complete canonical answer (from any upstream dialect) as the Responses API JSON response object:
/// reasoning, message and function_call items in order, deterministic ids for answers of another origin, the
/// status from the stop reason, and usage in Responses terms.
/// </summary>
public static class ResponsesResponseEncoder
{
    public static void Encode(CanonicalResponse response, CanonicalRequest request, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(request);
        var namespaces = ResponsesNamespaces.Declared(request);
        var (status, incomplete) = ResponsesStatus.FromStopReason(response.StopReason);
        var header = new ResponsesResponseObject.Header(ResponsesIds.Response(response.Id), response.Created ?? 0, response.Model, status, incomplete, response.Usage);
        using var writer = new Utf8JsonWriter(output, ResponsesJson.WriterOptions);
        ResponsesResponseObject.Write(writer, header, request, w => WriteItems(w, response, namespaces));
    }

    private static void WriteItems(Utf8JsonWriter writer, CanonicalResponse response, IReadOnlySet<string> namespaces)
    {
        var texts = new List<string>();
        int outputIndex = 0;
        foreach (var block in response.Content)
        {
            if (block is TextBlock text)
            {
                texts.Add(text.Text);
                continue;
            }

            FlushTexts(writer, response.Id, texts, ref outputIndex);
            switch (block)
            {
                case ToolCallBlock call:
                    string id = call.Extensions is { } ext && ext.TryGetValue("responses.id", out var own) && own.GetString() is { } ownId
                        ? ownId
                        : ResponsesIds.Item("fc", response.Id, outputIndex);
                    ResponsesOutputItems.WriteFunctionCall(writer, id, "completed", call.Id, call.Name, namespaces, call.ArgumentsJson);
                    outputIndex++;
                    break;
                case ReasoningBlock reasoning:
                    var (rid, summary, encrypted) = ResponsesOutputItems.ForClient(reasoning, ResponsesIds.Item("rs", response.Id, outputIndex));
                    ResponsesOutputItems.WriteReasoning(writer, rid, summary, encrypted);
                    outputIndex++;
                    break;
                case UnknownBlock { Origin: WireDialectName.Responses } unknown:
                    unknown.Raw.WriteTo(writer);
                    outputIndex++;
                    break;
                default:
                    // Images or other dialects' unknown output have no Responses item; nothing is invented for them.
                    break;
            }
        }

        FlushTexts(writer, response.Id, texts, ref outputIndex);
    }

    private static void FlushTexts(Utf8JsonWriter writer, string upstreamId, List<string> texts, ref int outputIndex)
    {
        if (texts.Count == 0)
        {
            return;
        }

        ResponsesOutputItems.WriteMessage(writer, ResponsesIds.Item("msg", upstreamId, outputIndex), "completed", texts);
        outputIndex++;
        texts.Clear();
    }
}
