using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Responses;

/// <summary>
/// Reads a Responses <c>input</c> (a string, or an array of items) into canonical messages. Message items keep
/// their boundaries (their id and status travel as message extensions); function_call and reasoning items join
/// the assistant message before them; function_call_output items join a user message made of tool results;
/// item types with no canonical form become <see cref="UnknownBlock"/>s.
/// </summary>
internal static class ResponsesInputReader
{
    public static RequestParseError? Read(JsonElement input, List<Message> messages)
    {
        if (input.ValueKind == JsonValueKind.String)
        {
            messages.Add(new Message(MessageRole.User, [new TextBlock(input.GetString()!)])
            {
                WasString = true,
                Extensions = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { [ResponsesRequestDecoder.InputStringMarker] = ResponsesJson.True },
            });
            return null;
        }

        if (input.ValueKind != JsonValueKind.Array)
        {
            return new RequestParseError("'input' must be a string or an array of items.", "input");
        }

        var builders = new List<Builder>();
        int i = 0;
        foreach (var item in input.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                return new RequestParseError($"'input[{i}]' must be an object.", $"input[{i}]");
            }

            var error = ReadItem(item, i, builders);
            if (error is not null)
            {
                return error;
            }

            i++;
        }

        foreach (var builder in builders)
        {
            messages.Add(builder.Build());
        }

        return null;
    }

    private static RequestParseError? ReadItem(JsonElement item, int i, List<Builder> builders)
    {
        string? type = item.GetString("type");
        switch (type)
        {
            case null or "message":
                return ReadMessage(item, i, builders);
            case "function_call":
                {
                    if (item.GetString("call_id") is not { } callId || item.GetString("name") is not { } name)
                    {
                        return new RequestParseError($"'input[{i}]' (function_call) needs 'call_id' and 'name'.", $"input[{i}]");
                    }

                    string? ns = item.GetString("namespace");
                    var extensions = ItemExtensions(item, "type", "call_id", "name", "arguments", "namespace");
                    if (ns is not null)
                    {
                        extensions ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                        extensions[ResponsesNamespaces.NamespaceKey] = item.GetProperty("namespace");
                    }

                    var call = new ToolCallBlock(callId, ns is null ? name : ResponsesNamespaces.Join(ns, name), item.GetString("arguments") ?? string.Empty) { Extensions = extensions };
                    Join(builders, MessageRole.Assistant).Blocks.Add(call);
                    return null;
                }

            case "function_call_output":
                {
                    if (item.GetString("call_id") is not { } callId)
                    {
                        return new RequestParseError($"'input[{i}].call_id' is required.", $"input[{i}].call_id");
                    }

                    var output = item.GetMember("output");
                    List<ContentBlock> content = [];
                    bool wasString = output is { ValueKind: JsonValueKind.String };
                    if (wasString)
                    {
                        content.Add(new TextBlock(output!.Value.GetString()!));
                    }
                    else if (output is { ValueKind: JsonValueKind.Array } parts)
                    {
                        if (ReadParts(parts, $"input[{i}].output", content) is { } partError)
                        {
                            return partError;
                        }
                    }

                    var result = new ToolResultBlock(callId, null, content, false, wasString) { Extensions = ItemExtensions(item, "type", "call_id", "output") };
                    Join(builders, MessageRole.User).Blocks.Add(result);
                    return null;
                }

            case "reasoning":
                Join(builders, MessageRole.Assistant).Blocks.Add(ReadReasoning(item));
                return null;
            default:
                {
                    // custom_tool_call, web_search_call, local_shell_call, item_reference, …: kept raw for the same dialect.
                    var role = type.EndsWith("_output", StringComparison.Ordinal) || type.EndsWith("_response", StringComparison.Ordinal) || type == "item_reference"
                        ? MessageRole.User
                        : MessageRole.Assistant;
                    Join(builders, role).Blocks.Add(new UnknownBlock(WireDialectName.Responses, type, item));
                    return null;
                }
        }
    }

    private static RequestParseError? ReadMessage(JsonElement item, int i, List<Builder> builders)
    {
        MessageRole? role = item.GetString("role") switch
        {
            "user" => MessageRole.User,
            "assistant" => MessageRole.Assistant,
            "system" => MessageRole.System,
            "developer" => MessageRole.Developer,
            _ => null,
        };
        if (role is null)
        {
            return new RequestParseError($"'input[{i}].role' must be one of user, assistant, system, developer.", $"input[{i}].role");
        }

        var extensions = ItemExtensions(item, "type", "role", "content");

        // An assistant message joins the reasoning or calls just before it (they are one turn), unless that turn already has a message.
        Builder builder;
        if (role == MessageRole.Assistant && builders.Count > 0 && builders[^1] is { Role: MessageRole.Assistant, FromMessageItem: false } open)
        {
            builder = open;
        }
        else
        {
            builder = new Builder(role.Value);
            builders.Add(builder);
        }

        builder.FromMessageItem = true;
        builder.Extensions = extensions;
        var content = item.GetMember("content");
        if (content is { ValueKind: JsonValueKind.String } text)
        {
            builder.Blocks.Add(new TextBlock(text.GetString()!));
            builder.WasString = true;
            return null;
        }

        if (content is not { ValueKind: JsonValueKind.Array } parts)
        {
            return new RequestParseError($"'input[{i}].content' must be a string or an array.", $"input[{i}].content");
        }

        return ReadParts(parts, $"input[{i}].content", builder.Blocks);
    }

    /// <summary>Reads content parts (input_text, output_text, input_image, input_file, refusal, …).</summary>
    public static RequestParseError? ReadParts(JsonElement parts, string path, List<ContentBlock> blocks)
    {
        int j = 0;
        foreach (var part in parts.EnumerateArray())
        {
            string? type = part.GetString("type");
            switch (type)
            {
                case "input_text" or "output_text" or "text":
                    if (part.GetString("text") is not { } text)
                    {
                        return new RequestParseError($"'{path}[{j}].text' is required.", $"{path}[{j}].text");
                    }

                    blocks.Add(new TextBlock(text) { Extensions = ItemExtensions(part, "type", "text") });
                    break;
                case "input_image" when part.GetString("file_id") is null && part.GetString("image_url") is { } url:
                    blocks.Add(DataUrl.TryParse(url, out string? media, out string? data)
                        ? new ImageBlock(media, data, null) { Extensions = ItemExtensions(part, "type", "image_url") }
                        : new ImageBlock(null, null, url) { Extensions = ItemExtensions(part, "type", "image_url") });
                    break;
                case "input_file" when part.GetString("file_id") is null && (part.GetString("file_data") is not null || part.GetString("file_url") is not null):
                    {
                        string? fileData = part.GetString("file_data");
                        string? fileMedia = null;
                        string? fileBytes = fileData;
                        if (fileData is not null && DataUrl.TryParse(fileData, out string? m, out string? d))
                        {
                            fileMedia = m;
                            fileBytes = d;
                        }

                        blocks.Add(new DocumentBlock(fileMedia, fileBytes, part.GetString("file_url"), part.GetString("filename"))
                        {
                            Extensions = ItemExtensions(part, "type", "file_data", "file_url", "filename"),
                        });
                        break;
                    }

                default:
                    blocks.Add(new UnknownBlock(WireDialectName.Responses, type ?? "unknown", part));
                    break;
            }

            j++;
        }

        return null;
    }

    private static ReasoningBlock ReadReasoning(JsonElement item)
    {
        List<string> summary = [];
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

        string? contentText = null;
        if (item.GetMember("content") is { ValueKind: JsonValueKind.Array } content)
        {
            contentText = string.Concat(content.EnumerateArray().Select(p => p.GetString("text") ?? string.Empty));
        }

        string? text = summary.Count > 0 ? string.Join("\n\n", summary) : contentText;
        string? encrypted = item.GetString("encrypted_content");
        var extensions = ItemExtensions(item, "type", "id", "summary", "encrypted_content");
        if (ReasoningEnvelope.TryUnwrap(encrypted, text, out var foreign))
        {
            return foreign;
        }

        return new ReasoningBlock(text, null, encrypted, null, item.GetString("id"), WireDialectName.Responses)
        {
            Summary = summary,
            Extensions = extensions,
        };
    }

    // Members with no canonical place, kept as "responses.member" (null values carry nothing and are left out).
    private static Dictionary<string, JsonElement>? ItemExtensions(JsonElement item, params ReadOnlySpan<string> known)
    {
        Dictionary<string, JsonElement>? extensions = null;
        foreach (var member in item.EnumerateObject())
        {
            if (member.Value.ValueKind == JsonValueKind.Null || known.Contains(member.Name))
            {
                continue;
            }

            extensions ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            extensions["responses." + member.Name] = member.Value;
        }

        return extensions;
    }

    private static Builder Join(List<Builder> builders, MessageRole role)
    {
        if (builders.Count > 0 && builders[^1].Role == role && (role == MessageRole.Assistant || !builders[^1].FromMessageItem))
        {
            return builders[^1];
        }

        var builder = new Builder(role);
        builders.Add(builder);
        return builder;
    }

    private sealed class Builder(MessageRole role)
    {
        public MessageRole Role { get; } = role;

        public List<ContentBlock> Blocks { get; } = [];

        public bool FromMessageItem { get; set; }

        public bool WasString { get; set; }

        public Dictionary<string, JsonElement>? Extensions { get; set; }

        public Message Build() => new(Role, Blocks) { WasString = WasString && Blocks.Count == 1, Extensions = Extensions };
    }
}
