using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Json;

namespace Warden.Core.Dialects.Responses;

/// <summary>
/// Decodes a Responses API answer (the JSON response object, or the one inside response.completed) into a
/// <see cref="CanonicalResponse"/>: message text, function calls ("N__fname" for namespaced calls), reasoning
/// with its encrypted_content byte-exact, other item types kept raw; usage and the stop reason from the status.
/// </summary>
public static class ResponsesResponseDecoder
{
    public static bool TryDecode(ReadOnlySpan<byte> body, out CanonicalResponse response) => DecodeGuard.Run(body, TryDecodeBody, out response);

    private static bool TryDecodeBody(ReadOnlySpan<byte> body, out CanonicalResponse response)
    {
        response = null!;
        JsonElement root;
        try
        {
            root = ResponsesJson.Parse(body);
        }
        catch (JsonException)
        {
            return false;
        }

        return TryDecode(root, out response);
    }

    public static bool TryDecode(JsonElement root, out CanonicalResponse response)
    {
        response = null!;
        if (root.ValueKind != JsonValueKind.Object || root.GetString("id") is not { } id || root.GetMember("output") is not { ValueKind: JsonValueKind.Array } output)
        {
            return false;
        }

        var content = new List<ContentBlock>();
        bool calledTools = false;
        bool refused = false;
        foreach (var item in output.EnumerateArray())
        {
            switch (item.GetString("type"))
            {
                case "message":
                    if (item.GetMember("content") is { ValueKind: JsonValueKind.Array } parts)
                    {
                        foreach (var part in parts.EnumerateArray())
                        {
                            if (part.GetString("type") == "output_text" && part.GetString("text") is { } text)
                            {
                                content.Add(new TextBlock(text));
                            }
                            else if (part.GetString("type") == "refusal" && part.GetString("refusal") is { } refusal)
                            {
                                content.Add(new TextBlock(refusal));
                                refused = true;
                            }
                        }
                    }

                    break;
                case "function_call":
                    content.Add(ReadFunctionCall(item));
                    calledTools = true;
                    break;
                case "reasoning":
                    content.Add(ReadReasoning(item));
                    break;
                case { } other:
                    content.Add(new UnknownBlock(WireDialectName.Responses, other, item));
                    break;
                default:
                    break;
            }
        }

        string? incompleteReason = root.GetMember("incomplete_details") is { } details ? details.GetString("reason") : null;
        var stop = ResponsesStatus.ToStopReason(root.GetString("status"), incompleteReason, calledTools, refused);
        response = new CanonicalResponse(id, root.GetString("model") ?? string.Empty, content, stop, ResponsesUsage.Read(root.GetMember("usage")))
        {
            Created = root.GetInt64("created_at"),
        };
        return true;
    }

    internal static ToolCallBlock ReadFunctionCall(JsonElement item)
    {
        string name = item.GetString("name") ?? string.Empty;
        string? ns = item.GetString("namespace");
        var extensions = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (item.GetMember("id") is { } id)
        {
            extensions["responses.id"] = id;
        }

        if (ns is not null)
        {
            extensions[ResponsesNamespaces.NamespaceKey] = item.GetProperty("namespace");
        }

        return new ToolCallBlock(item.GetString("call_id") ?? string.Empty, ns is null ? name : ResponsesNamespaces.Join(ns, name), item.GetString("arguments") ?? string.Empty)
        {
            Extensions = extensions.Count > 0 ? extensions : null,
        };
    }

    internal static ReasoningBlock ReadReasoning(JsonElement item)
    {
        var summary = new List<string>();
        if (item.GetMember("summary") is { ValueKind: JsonValueKind.Array } parts)
        {
            foreach (var part in parts.EnumerateArray())
            {
                if (part.GetString("text") is { } t)
                {
                    summary.Add(t);
                }
            }
        }

        string? text = summary.Count > 0 ? string.Join("\n\n", summary) : null;
        if (text is null && item.GetMember("content") is { ValueKind: JsonValueKind.Array } content)
        {
            text = string.Concat(content.EnumerateArray().Select(p => p.GetString("text") ?? string.Empty));
        }

        return new ReasoningBlock(text, null, item.GetString("encrypted_content"), null, item.GetString("id"), WireDialectName.Responses) { Summary = summary };
    }
}
