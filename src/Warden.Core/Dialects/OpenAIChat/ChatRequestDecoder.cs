using System.Globalization;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.OpenAIChat;

/// <summary>
/// Decodes a Chat Completions request body into a <see cref="CanonicalRequest"/>. Consecutive role "tool" messages
/// become one canonical User message of <see cref="ToolResultBlock"/>s. A member whose value is null, or one set to
/// its documented default (n 1, logprobs false, frequency/presence penalty 0), is read as absent: the API treats
/// them the same, and another dialect then need not refuse them. Top-level members with no canonical place go to
/// <see cref="CanonicalRequest.Extensions"/> as "openai_chat.&lt;field&gt;".
/// </summary>
internal static class ChatRequestDecoder
{
    public const string ReasoningContentKey = "openai_chat.reasoning_content";
    public const string MaxTokensFieldKey = "openai_chat.max_tokens_field";
    public const string UserFieldKey = "openai_chat.user_field";
    public const string StreamOptionsKey = "openai_chat.stream_options";
    public const string StopKey = "openai_chat.stop";
    public const string DetailKey = "openai_chat.detail";
    public const string LegacyFunctionKey = "openai_chat.legacy_function";
    public const string SchemaDescriptionKey = "openai_chat.response_format.json_schema.description";

    private static readonly JsonElement True = ChatJson.Element("true");

    public static bool TryDecode(ReadOnlyMemory<byte> body, out CanonicalRequest request, out RequestParseError? error)
    {
        request = null!;
        if (!ChatRequestInspector.TryInspect(body.Span, out var info, out error))
        {
            return false;
        }

        JsonElement root;
        using (var document = JsonDocument.Parse(body, ChatJson.DocumentOptions))
        {
            // One copy that outlives the pooled document: every element kept in extensions points into it.
            root = document.RootElement.Clone();
        }

        var result = new CanonicalRequest { Origin = WireDialectName.OpenAIChat, Model = info!.Model, Stream = info.Stream };
        try
        {
            foreach (var member in root.EnumerateObject())
            {
                ReadTopLevel(member, result);
            }

            if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            {
                throw new ChatDecodeException("'messages' is required and must be an array.", "messages");
            }

            ReadMessages(messages, result);
        }
        catch (ChatDecodeException ex)
        {
            error = new RequestParseError(ex.Message, ex.Param);
            return false;
        }

        request = result;
        return true;
    }

    private static void ReadTopLevel(JsonProperty member, CanonicalRequest request)
    {
        var value = member.Value;
        string name = member.Name;
        if (value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        switch (name)
        {
            case "model" or "messages" or "stream":
                return;
            case "stream_options":
                request.IncludeUsage = value.ValueKind == JsonValueKind.Object && value.TryGetProperty("include_usage", out var include)
                    && include.ValueKind is JsonValueKind.True or JsonValueKind.False ? include.GetBoolean() : null;
                request.Extensions[StreamOptionsKey] = value;
                return;
            case "tools":
                ReadTools(value, request);
                return;
            case "tool_choice":
                request.ToolChoice = ReadToolChoice(value);
                return;
            case "parallel_tool_calls":
                request.ParallelToolCalls = Bool(value, name);
                return;
            case "max_tokens" or "max_completion_tokens":
                long cap = Integer(value, name);
                if (request.MaxOutputTokens is null || name == "max_completion_tokens")
                {
                    if (request.MaxOutputTokens is { } other)
                    {
                        // Both names given: max_completion_tokens wins (as at OpenAI); the other stays as it was sent.
                        request.Extensions["openai_chat.max_tokens"] = ChatJson.Element(other.ToString(CultureInfo.InvariantCulture));
                    }

                    request.MaxOutputTokens = cap;
                    request.Extensions[MaxTokensFieldKey] = ChatJson.Element("\"" + name + "\"");
                }
                else
                {
                    request.Extensions["openai_chat." + name] = value;
                }

                return;
            case "temperature":
                request.Temperature = Number(value, name);
                return;
            case "top_p":
                request.TopP = Number(value, name);
                return;
            case "top_k":
                long topK = Integer(value, name);
                request.TopK = topK <= int.MaxValue ? (int)topK : throw new ChatDecodeException("'top_k' is too large.", name);
                return;
            case "stop":
                request.StopSequences = ReadStop(value);
                request.Extensions[StopKey] = value;
                return;
            case "reasoning_effort":
                string effort = String(value, name);
                request.Reasoning = new ReasoningOptions(effort != "none", null, effort, false, null, null);
                return;
            case "response_format":
                request.OutputFormat = ReadResponseFormat(value, request);
                return;
            case "user":
                request.User = String(value, name);
                return;
            case "safety_identifier":
                // Both are end-user ids; "user" is the canonical one when both came.
                if (request.User is null)
                {
                    request.User = String(value, name);
                    request.Extensions[UserFieldKey] = ChatJson.Element("\"safety_identifier\"");
                }
                else
                {
                    request.Extensions["openai_chat.safety_identifier"] = value;
                }

                return;
            case "n" when value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long n) && n == 1:
            case "logprobs" when value.ValueKind == JsonValueKind.False:
            case "frequency_penalty" or "presence_penalty" when value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double penalty) && penalty == 0:
                return;
            default:
                request.Extensions["openai_chat." + name] = value;
                return;
        }
    }

    private static void ReadMessages(JsonElement messages, CanonicalRequest request)
    {
        List<ContentBlock>? toolResults = null;
        int i = 0;
        foreach (var message in messages.EnumerateArray())
        {
            string path = $"messages[{i}]";
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw new ChatDecodeException($"'{path}' must be an object.", path);
            }

            string role = ChatJson.GetString(message, "role") ?? throw new ChatDecodeException($"'{path}.role' is required and must be a string.", path + ".role");
            if (role is "tool" or "function")
            {
                toolResults ??= [];
                toolResults.Add(ReadToolResult(message, role, path));
                i++;
                continue;
            }

            if (toolResults is not null)
            {
                request.Messages.Add(new Message(MessageRole.User, toolResults));
                toolResults = null;
            }

            request.Messages.Add(role switch
            {
                "system" => ReadInstructions(message, MessageRole.System, path),
                "developer" => ReadInstructions(message, MessageRole.Developer, path),
                "user" => ReadUser(message, path),
                "assistant" => ReadAssistant(message, path),
                _ => throw new ChatDecodeException($"'{path}.role' has an unknown value '{role}'; expected system, developer, user, assistant, tool or function.", path + ".role"),
            });
            i++;
        }

        if (toolResults is not null)
        {
            request.Messages.Add(new Message(MessageRole.User, toolResults));
        }
    }

    private static Message ReadInstructions(JsonElement message, MessageRole role, string path)
    {
        var (blocks, wasString) = ReadContent(message, path, allowNull: false);
        return new Message(role, blocks) { Name = ChatJson.GetString(message, "name"), WasString = wasString, Extensions = MessageExtensions(message, "role", "content", "name") };
    }

    private static Message ReadUser(JsonElement message, string path)
    {
        var (blocks, wasString) = ReadContent(message, path, allowNull: false);
        return new Message(MessageRole.User, blocks) { Name = ChatJson.GetString(message, "name"), WasString = wasString, Extensions = MessageExtensions(message, "role", "content", "name") };
    }

    private static Message ReadAssistant(JsonElement message, string path)
    {
        var blocks = new List<ContentBlock>();
        if (ChatJson.Has(message, "reasoning_content", out var reasoning))
        {
            if (reasoning.ValueKind != JsonValueKind.String)
            {
                throw new ChatDecodeException($"'{path}.reasoning_content' must be a string.", path + ".reasoning_content");
            }

            blocks.Add(new ReasoningBlock(reasoning.GetString(), null, null, null, null, WireDialectName.OpenAIChat)
            {
                Extensions = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { [ReasoningContentKey] = True },
            });
        }

        var (content, wasString) = ReadContent(message, path, allowNull: true);
        blocks.AddRange(content);
        if (ChatJson.Has(message, "tool_calls", out var calls))
        {
            if (calls.ValueKind != JsonValueKind.Array)
            {
                throw new ChatDecodeException($"'{path}.tool_calls' must be an array.", path + ".tool_calls");
            }

            int j = 0;
            foreach (var call in calls.EnumerateArray())
            {
                blocks.Add(ReadToolCall(call, $"{path}.tool_calls[{j}]"));
                j++;
            }
        }

        return new Message(MessageRole.Assistant, blocks)
        {
            Name = ChatJson.GetString(message, "name"),
            WasString = wasString,
            Extensions = MessageExtensions(message, "role", "content", "name", "reasoning_content", "tool_calls"),
        };
    }

    private static ContentBlock ReadToolCall(JsonElement call, string path)
    {
        if (call.ValueKind != JsonValueKind.Object)
        {
            throw new ChatDecodeException($"'{path}' must be an object.", path);
        }

        string type = ChatJson.GetString(call, "type") ?? "function";
        if (type != "function")
        {
            return new UnknownBlock(WireDialectName.OpenAIChat, "tool_call:" + type, call);
        }

        string id = ChatJson.GetString(call, "id") ?? throw new ChatDecodeException($"'{path}.id' is required.", path + ".id");
        if (!call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
        {
            throw new ChatDecodeException($"'{path}.function' is required and must be an object.", path + ".function");
        }

        string name = ChatJson.GetString(function, "name") ?? throw new ChatDecodeException($"'{path}.function.name' is required.", path + ".function.name");
        string arguments = ChatJson.GetString(function, "arguments") ?? throw new ChatDecodeException($"'{path}.function.arguments' is required and must be a string.", path + ".function.arguments");
        return new ToolCallBlock(id, name, arguments);
    }

    private static ToolResultBlock ReadToolResult(JsonElement message, string role, string path)
    {
        var (content, wasString) = ReadContent(message, path, allowNull: false);
        if (role == "function")
        {
            // The deprecated function role: results are matched by name, not id. It round-trips to Chat only.
            string name = ChatJson.GetString(message, "name") ?? throw new ChatDecodeException($"'{path}.name' is required for role function.", path + ".name");
            return new ToolResultBlock(name, name, content, false, wasString)
            {
                Extensions = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { [LegacyFunctionKey] = True },
            };
        }

        // Some clients (LangChain, AutoGen) name the tool on its result message: that is the canonical Name.
        string callId = ChatJson.GetString(message, "tool_call_id") ?? throw new ChatDecodeException($"'{path}.tool_call_id' is required for role tool.", path + ".tool_call_id");
        return new ToolResultBlock(callId, ChatJson.GetString(message, "name"), content, false, wasString) { Extensions = MessageExtensions(message, "role", "content", "tool_call_id", "name") };
    }

    private static (List<ContentBlock> Blocks, bool WasString) ReadContent(JsonElement message, string path, bool allowNull)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            return allowNull ? ([], false) : throw new ChatDecodeException($"'{path}.content' is required.", path + ".content");
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return ([new TextBlock(content.GetString()!)], true);
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw new ChatDecodeException($"'{path}.content' must be a string or an array of content parts.", path + ".content");
        }

        var blocks = new List<ContentBlock>();
        int k = 0;
        foreach (var part in content.EnumerateArray())
        {
            blocks.Add(ReadPart(part, $"{path}.content[{k}]"));
            k++;
        }

        return (blocks, false);
    }

    private static ContentBlock ReadPart(JsonElement part, string path)
    {
        string type = (part.ValueKind == JsonValueKind.Object ? ChatJson.GetString(part, "type") : null)
            ?? throw new ChatDecodeException($"'{path}' must be an object with a string 'type'.", path + ".type");
        switch (type)
        {
            case "text":
                string text = ChatJson.GetString(part, "text") ?? throw new ChatDecodeException($"'{path}.text' is required and must be a string.", path + ".text");
                return new TextBlock(text) { Extensions = PartExtensions(part, "type", "text") };
            case "image_url":
                if (!part.TryGetProperty("image_url", out var image) || image.ValueKind != JsonValueKind.Object || ChatJson.GetString(image, "url") is not { } url)
                {
                    throw new ChatDecodeException($"'{path}.image_url.url' is required and must be a string.", path + ".image_url.url");
                }

                var extensions = PartExtensions(part, "type", "image_url");
                if (ChatJson.Has(image, "detail", out var detail))
                {
                    extensions ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                    ((Dictionary<string, JsonElement>)extensions)[DetailKey] = detail;
                }

                return ChatJson.TryParseDataUrl(url, out string mediaType, out string data)
                    ? new ImageBlock(mediaType, data, null) { Extensions = extensions }
                    : new ImageBlock(null, null, url) { Extensions = extensions };
            case "file" when part.TryGetProperty("file", out var file) && file.ValueKind == JsonValueKind.Object
                && ChatJson.GetString(file, "file_data") is { } fileData && !ChatJson.Has(file, "file_id", out _):
                return ChatJson.TryParseDataUrl(fileData, out string fileType, out string fileBase64)
                    ? new DocumentBlock(fileType, fileBase64, null, ChatJson.GetString(file, "filename")) { Extensions = PartExtensions(part, "type", "file") }
                    : new DocumentBlock(null, fileData, null, ChatJson.GetString(file, "filename")) { Extensions = PartExtensions(part, "type", "file") };
            default:
                // input_audio, refusal, file by id and anything newer: kept as sent, for an OpenAI Chat upstream only.
                return new UnknownBlock(WireDialectName.OpenAIChat, type, part);
        }
    }

    private static void ReadTools(JsonElement tools, CanonicalRequest request)
    {
        if (tools.ValueKind != JsonValueKind.Array)
        {
            throw new ChatDecodeException("'tools' must be an array.", "tools");
        }

        int i = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            string path = $"tools[{i}]";
            string type = (tool.ValueKind == JsonValueKind.Object ? ChatJson.GetString(tool, "type") : null)
                ?? throw new ChatDecodeException($"'{path}.type' is required.", path + ".type");
            if (type != "function")
            {
                request.Tools.Add(new ToolDefinition(type, ChatJson.GetString(tool, "name") ?? type, null, null) { Raw = tool, Origin = WireDialectName.OpenAIChat });
                i++;
                continue;
            }

            if (!tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
            {
                throw new ChatDecodeException($"'{path}.function' is required and must be an object.", path + ".function");
            }

            string name = ChatJson.GetString(function, "name") ?? throw new ChatDecodeException($"'{path}.function.name' is required.", path + ".function.name");
            JsonElement? parameters = ChatJson.Has(function, "parameters", out var schema) ? schema : null;
            bool? strict = ChatJson.Has(function, "strict", out var strictValue) ? Bool(strictValue, path + ".function.strict") : null;
            var extensions = PartExtensions(function, "name", "description", "parameters", "strict");
            request.Tools.Add(new ToolDefinition(ToolDefinition.FunctionKind, name, ChatJson.GetString(function, "description"), parameters)
            {
                Origin = WireDialectName.OpenAIChat,
                Strict = strict,
                Extensions = extensions,
            });
            i++;
        }
    }

    private static ToolChoice ReadToolChoice(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString() switch
            {
                "auto" => new ToolChoice(ToolChoiceMode.Auto, null),
                "none" => new ToolChoice(ToolChoiceMode.None, null),
                "required" => new ToolChoice(ToolChoiceMode.Required, null),
                var other => throw new ChatDecodeException($"'tool_choice' has an unknown value '{other}'; expected auto, none, required or a function.", "tool_choice"),
            };
        }

        if (value.ValueKind == JsonValueKind.Object && ChatJson.GetString(value, "type") == "function"
            && value.TryGetProperty("function", out var function) && ChatJson.GetString(function, "name") is { } name)
        {
            return new ToolChoice(ToolChoiceMode.Specific, name);
        }

        throw new ChatDecodeException("'tool_choice' must be \"auto\", \"none\", \"required\" or {\"type\":\"function\",\"function\":{\"name\"}}.", "tool_choice");
    }

    private static List<string> ReadStop(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return [value.GetString()!];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new ChatDecodeException("'stop' must be a string or an array of strings.", "stop");
        }

        var stops = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            stops.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw new ChatDecodeException("'stop' must be a string or an array of strings.", "stop"));
        }

        return stops;
    }

    private static OutputFormat ReadResponseFormat(JsonElement value, CanonicalRequest request)
    {
        string? type = value.ValueKind == JsonValueKind.Object ? ChatJson.GetString(value, "type") : null;
        switch (type)
        {
            case "text":
                return new OutputFormat(OutputFormatKind.Text, null, null, null);
            case "json_object":
                return new OutputFormat(OutputFormatKind.JsonObject, null, null, null);
            case "json_schema":
                if (!value.TryGetProperty("json_schema", out var schema) || schema.ValueKind != JsonValueKind.Object)
                {
                    throw new ChatDecodeException("'response_format.json_schema' is required for type json_schema.", "response_format.json_schema");
                }

                if (ChatJson.Has(schema, "description", out var description))
                {
                    request.Extensions[SchemaDescriptionKey] = description;
                }

                return new OutputFormat(
                    OutputFormatKind.JsonSchema,
                    ChatJson.Has(schema, "schema", out var body) ? body : null,
                    ChatJson.GetString(schema, "name"),
                    ChatJson.Has(schema, "strict", out var strict) ? Bool(strict, "response_format.json_schema.strict") : null);
            default:
                throw new ChatDecodeException("'response_format.type' must be text, json_object or json_schema.", "response_format.type");
        }
    }

    /// <summary>The members of a message (or tool message) not read into canonical fields, as "openai_chat.&lt;member&gt;".</summary>
    private static Dictionary<string, JsonElement>? MessageExtensions(JsonElement element, params ReadOnlySpan<string> known) => PartExtensions(element, known);

    private static Dictionary<string, JsonElement>? PartExtensions(JsonElement element, params ReadOnlySpan<string> known)
    {
        Dictionary<string, JsonElement>? extensions = null;
        foreach (var member in element.EnumerateObject())
        {
            if (member.Value.ValueKind == JsonValueKind.Null || known.Contains(member.Name))
            {
                continue;
            }

            extensions ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            extensions["openai_chat." + member.Name] = member.Value;
        }

        return extensions;
    }

    private static bool Bool(JsonElement value, string path) =>
        value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw new ChatDecodeException($"'{path}' must be a boolean.", path);

    // TryGetDouble reads a number beyond a double's range (1e999999) as infinity, which no upstream's encoder can write.
    private static double Number(JsonElement value, string path) =>
        value.ValueKind != JsonValueKind.Number ? throw new ChatDecodeException($"'{path}' must be a number.", path)
        : value.TryGetDouble(out double number) && double.IsFinite(number) ? number
        : throw new ChatDecodeException($"'{path}' is outside the range of a double-precision number.", path);

    private static long Integer(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long n) && n >= 0
            ? n
            : throw new ChatDecodeException($"'{path}' must be a non-negative integer.", path);

    private static string String(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new ChatDecodeException($"'{path}' must be a string.", path);

    /// <summary>A decoding failure naming the field; caught once at the top and turned into a <see cref="RequestParseError"/>.</summary>
    private sealed class ChatDecodeException(string message, string param) : Exception(message)
    {
        public string Param { get; } = param;
    }
}
