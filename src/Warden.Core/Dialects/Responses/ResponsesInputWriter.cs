using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Responses;

/// <summary>
/// Writes canonical messages as Responses input items: text and media runs as message items, tool calls as
/// function_call items, tool results as function_call_output items, Responses reasoning as reasoning items
/// (byte-exact). Reasoning of another origin and other dialects' extensions are left out by rule or refused.
/// </summary>
internal sealed class ResponsesInputWriter(Utf8JsonWriter writer, WireDialectName origin, IReadOnlySet<string> namespaces, List<string> changes)
{
    private const string Own = "responses.";

    public RequestParseError? WriteMessage(Message message, int index)
    {
        if (message.Name is not null && origin != WireDialectName.Responses)
        {
            return new RequestParseError($"'messages[{index}].name' cannot be sent to the Responses upstream: Responses messages have no participant name.", $"messages[{index}].name");
        }

        if (Check(message.Extensions) is { } refusedMessageKey)
        {
            return Refusal(refusedMessageKey, $"messages[{index}]");
        }

        string role = message.Role switch
        {
            MessageRole.System => "system",
            MessageRole.Developer => "developer",
            MessageRole.Assistant => "assistant",
            _ => "user",
        };
        bool messageIdWritten = false;
        var run = new List<ContentBlock>();
        for (int j = 0; j < message.Content.Count; j++)
        {
            var block = message.Content[j];
            if (Check(block.Extensions) is { } refusedKey)
            {
                return Refusal(refusedKey, $"messages[{index}].content[{j}]");
            }

            if (block is TextBlock or ImageBlock or DocumentBlock)
            {
                run.Add(block);
                continue;
            }

            FlushRun(message, role, run, ref messageIdWritten);
            switch (block)
            {
                case ToolCallBlock call:
                    WriteFunctionCall(call);
                    break;
                case ToolResultBlock result:
                    if (WriteFunctionCallOutput(result, index, j) is { } resultError)
                    {
                        return resultError;
                    }

                    break;
                case ReasoningBlock reasoning:
                    WriteReasoning(reasoning);
                    break;
                case UnknownBlock unknown when unknown.Origin == WireDialectName.Responses:
                    unknown.Raw.WriteTo(writer);
                    break;
                case UnknownBlock unknown:
                    return new RequestParseError(
                        $"'messages[{index}].content[{j}]' ({unknown.Type}) from a {unknown.Origin} client cannot be sent to the Responses upstream.",
                        $"messages[{index}].content[{j}] ({unknown.Type})");
                default:
                    break;
            }
        }

        FlushRun(message, role, run, ref messageIdWritten);
        return null;
    }

    private void FlushRun(Message message, string role, List<ContentBlock> run, ref bool messageIdWritten)
    {
        if (run.Count == 0)
        {
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("type", "message");
        writer.WriteString("role", role);
        if (!messageIdWritten && origin == WireDialectName.Responses)
        {
            WriteOwn(message.Extensions);
            messageIdWritten = true;
        }

        if (message.WasString && run is [TextBlock only] && origin == WireDialectName.Responses)
        {
            writer.WriteString("content", only.Text);
        }
        else
        {
            writer.WriteStartArray("content");
            foreach (var block in run)
            {
                WritePart(block, role == "assistant");
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        run.Clear();
    }

    private void WritePart(ContentBlock block, bool assistant)
    {
        writer.WriteStartObject();
        switch (block)
        {
            case TextBlock text:
                writer.WriteString("type", assistant ? "output_text" : "input_text");
                writer.WriteString("text", text.Text);
                if (assistant && block.Extensions?.ContainsKey("responses.annotations") != true)
                {
                    writer.WriteStartArray("annotations");
                    writer.WriteEndArray();
                }

                break;
            case ImageBlock image:
                writer.WriteString("type", "input_image");
                writer.WriteString("image_url", image.Url ?? DataUrl.Build(image.MediaType, image.Data ?? string.Empty));
                break;
            case DocumentBlock document:
                writer.WriteString("type", "input_file");
                if (document.Url is not null && document.Data is null)
                {
                    writer.WriteString("file_url", document.Url);
                }
                else
                {
                    writer.WriteString("file_data", DataUrl.Build(document.MediaType, document.Data ?? string.Empty));
                }

                writer.WriteStringIfSet("filename", document.Title);
                break;
            default:
                break;
        }

        WriteOwn(block.Extensions);
        writer.WriteEndObject();
    }

    private void WriteFunctionCall(ToolCallBlock call)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "function_call");
        if (origin == WireDialectName.Responses)
        {
            WriteOwn(call.Extensions, ResponsesNamespaces.NamespaceKey);
        }

        writer.WriteString("call_id", call.Id);
        if (call.Extensions is { } ext && ext.TryGetValue(ResponsesNamespaces.NamespaceKey, out var own) && own.GetString() is { } ownNs
            && call.Name.StartsWith(ownNs + ResponsesNamespaces.Separator, StringComparison.Ordinal))
        {
            writer.WriteString("namespace", ownNs);
            writer.WriteString("name", call.Name[(ownNs.Length + ResponsesNamespaces.Separator.Length)..]);
        }
        else if (ResponsesNamespaces.TrySplit(call.Name, namespaces, out string ns, out string inner))
        {
            writer.WriteString("namespace", ns);
            writer.WriteString("name", inner);
        }
        else
        {
            writer.WriteString("name", call.Name);
        }

        writer.WriteString("arguments", call.ArgumentsJson);
        writer.WriteEndObject();
    }

    private RequestParseError? WriteFunctionCallOutput(ToolResultBlock result, int index, int j)
    {
        if (result.IsError && origin != WireDialectName.Responses)
        {
            // The error text itself goes through; Responses has no flag for it.
            Add("left_out:tool_result.is_error");
        }

        writer.WriteStartObject();
        writer.WriteString("type", "function_call_output");
        if (origin == WireDialectName.Responses)
        {
            WriteOwn(result.Extensions);
        }

        writer.WriteString("call_id", result.CallId);
        if (result.WasString || result.Content.All(b => b is TextBlock))
        {
            writer.WriteString("output", string.Concat(result.Content.OfType<TextBlock>().Select(t => t.Text)));
        }
        else
        {
            writer.WriteStartArray("output");
            foreach (var block in result.Content)
            {
                if (block is UnknownBlock unknown)
                {
                    if (unknown.Origin != WireDialectName.Responses)
                    {
                        return new RequestParseError(
                            $"'messages[{index}].content[{j}]' holds a {unknown.Type} part that cannot be sent to the Responses upstream.",
                            $"messages[{index}].content[{j}] ({unknown.Type})");
                    }

                    unknown.Raw.WriteTo(writer);
                    continue;
                }

                WritePart(block, assistant: false);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        return null;
    }

    private void WriteReasoning(ReasoningBlock reasoning)
    {
        if (reasoning.Origin != WireDialectName.Responses)
        {
            // Nothing the Responses upstream can verify, and it accepts no unsigned reasoning.
            Add("left_out:reasoning[" + reasoning.Origin + "]");
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("type", "reasoning");
        writer.WriteStringIfSet("id", reasoning.Id);
        writer.WriteStartArray("summary");
        IEnumerable<string> summary = reasoning.Summary ?? (reasoning.Text is { Length: > 0 } t ? [t] : []);
        foreach (string text in summary)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "summary_text");
            writer.WriteString("text", text);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        WriteOwn(reasoning.Extensions);
        writer.WriteStringIfSet("encrypted_content", reasoning.EncryptedContent);
        writer.WriteEndObject();
    }

    private void WriteOwn(IReadOnlyDictionary<string, JsonElement>? extensions, string? skip = null)
    {
        if (extensions is null)
        {
            return;
        }

        foreach (var (key, value) in extensions)
        {
            if (key.StartsWith(Own, StringComparison.Ordinal) && key != skip && key is not (ResponsesRequestDecoder.InstructionsMarker or ResponsesRequestDecoder.InputStringMarker))
            {
                writer.WritePropertyName(key[Own.Length..]);
                value.WriteTo(writer);
            }
        }
    }

    private string? Check(IReadOnlyDictionary<string, JsonElement>? extensions) =>
        TranslationRules.Check(extensions, WireDialectName.Responses, changes);

    private void Add(string change)
    {
        if (!changes.Contains(change))
        {
            changes.Add(change);
        }
    }

    private static RequestParseError Refusal(string key, string path) => ResponsesRequestEncoder.Refuse(key, path).Error!;
}
