using System.Buffers;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.OpenAIChat;

/// <summary>
/// Writes a <see cref="CanonicalRequest"/> of any origin as a Chat Completions body for an OpenAI-compatible upstream.
/// What Chat cannot express is refused naming the field; what may be left out by a declared rule is listed in
/// <see cref="EncodedRequest.Changes"/>; nothing else differs.
/// </summary>
internal sealed class ChatRequestEncoder
{
    private const string Own = "openai_chat.";

    // Own extensions the encoder writes in their canonical place instead of as top-level members.
    private static readonly HashSet<string> Markers = new(StringComparer.Ordinal)
    {
        ChatRequestDecoder.MaxTokensFieldKey,
        ChatRequestDecoder.UserFieldKey,
        ChatRequestDecoder.StreamOptionsKey,
        ChatRequestDecoder.StopKey,
        ChatRequestDecoder.SchemaDescriptionKey,
    };

    private readonly CanonicalRequest _request;
    private readonly List<string> _changes = [];
    private readonly Utf8JsonWriter _writer;

    private ChatRequestEncoder(CanonicalRequest request, Utf8JsonWriter writer)
    {
        _request = request;
        _writer = writer;
    }

    private bool SameDialect => _request.Origin == WireDialectName.OpenAIChat;

    public static EncodedRequest Encode(CanonicalRequest request, string upstreamModel)
    {
        ArgumentNullException.ThrowIfNull(request);
        var buffer = new ArrayBufferWriter<byte>(4096);
        try
        {
            using (var writer = new Utf8JsonWriter(buffer, ChatJson.WriterOptions))
            {
                var encoder = new ChatRequestEncoder(request, writer);
                encoder.WriteBody(upstreamModel);
                writer.Flush();
                return new EncodedRequest(buffer.WrittenMemory, encoder._changes, null);
            }
        }
        catch (RefusedException refused)
        {
            return EncodedRequest.Refused(refused.Message, refused.Param);
        }
    }

    private void WriteBody(string upstreamModel)
    {
        CheckExtensions(_request.Extensions, null);
        _writer.WriteStartObject();
        _writer.WriteString("model"u8, upstreamModel);
        WriteMessages();
        WriteTools();
        WriteToolChoice();
        if (_request.ParallelToolCalls is { } parallel)
        {
            _writer.WriteBoolean("parallel_tool_calls"u8, parallel);
        }

        if (_request.MaxOutputTokens is { } cap)
        {
            // Foreign origins get "max_tokens": vLLM and older OpenAI-compatible vendors accept it more widely than
            // max_completion_tokens (which OpenAI's reasoning models require; a Chat client's own choice is kept).
            string field = SameDialect ? OwnString(ChatRequestDecoder.MaxTokensFieldKey) ?? "max_completion_tokens" : "max_tokens";
            _writer.WriteNumber(field, cap);
        }

        WriteSampling();
        WriteReasoning();
        WriteResponseFormat();
        if (_request.User is { } user)
        {
            _writer.WriteString(SameDialect ? OwnString(ChatRequestDecoder.UserFieldKey) ?? "user" : "user", user);
        }

        WriteStream();
        foreach (var (key, value) in _request.Extensions)
        {
            if (key.StartsWith(Own, StringComparison.Ordinal) && !Markers.Contains(key))
            {
                _writer.WritePropertyName(key.AsSpan(Own.Length));
                value.WriteTo(_writer);
            }
        }

        _writer.WriteEndObject();
    }

    private void WriteSampling()
    {
        if (_request.Temperature is { } temperature)
        {
            _writer.WriteNumber("temperature"u8, temperature);
        }

        if (_request.TopP is { } topP)
        {
            _writer.WriteNumber("top_p"u8, topP);
        }

        if (_request.TopK is { } topK)
        {
            if (SameDialect)
            {
                // A Chat client sent top_k itself (vLLM, Qwen and others accept it): it goes back as sent.
                _writer.WriteNumber("top_k"u8, topK);
            }
            else
            {
                // OpenAI's API has no top_k and rejects unknown fields. It only narrows sampling (temperature and
                // top_p are carried), and Gemini CLI sends topK on every call: left out, and declared.
                Change("left_out:top_k");
            }
        }

        if (SameDialect && _request.Extensions.TryGetValue(ChatRequestDecoder.StopKey, out var stop))
        {
            _writer.WritePropertyName("stop"u8);
            stop.WriteTo(_writer);
        }
        else if (_request.StopSequences is { } stops)
        {
            _writer.WriteStartArray("stop"u8);
            foreach (string s in stops)
            {
                _writer.WriteStringValue(s);
            }

            _writer.WriteEndArray();
        }
    }

    private void WriteReasoning()
    {
        if (_request.Reasoning is not { } reasoning)
        {
            return;
        }

        if (reasoning.Effort is { } effort)
        {
            _writer.WriteString("reasoning_effort"u8, effort);
            if (reasoning.BudgetTokens is not null)
            {
                Change("left_out:reasoning.budget_tokens");
            }
        }
        else if (reasoning.BudgetTokens is { } budget)
        {
            string level = budget <= 2048 ? "low" : budget <= 16384 ? "medium" : "high";
            _writer.WriteString("reasoning_effort"u8, level);
            Change("added:reasoning_effort=" + level);
        }
        else if (reasoning.Adaptive)
        {
            Change("left_out:reasoning.adaptive");
        }
        else if (reasoning.Enabled is { } enabled)
        {
            // Chat has no on/off switch beside an effort: the upstream's default applies.
            Change(enabled ? "left_out:reasoning.enabled" : "left_out:reasoning.disabled");
        }

        if (reasoning.Summary is not null)
        {
            Change("left_out:reasoning.summary");
        }

        if (reasoning.IncludeThoughts is not null)
        {
            Change("left_out:reasoning.include_thoughts");
        }
    }

    private void WriteResponseFormat()
    {
        if (_request.OutputFormat is not { } format)
        {
            return;
        }

        _writer.WriteStartObject("response_format"u8);
        switch (format.Kind)
        {
            case OutputFormatKind.Text:
                _writer.WriteString("type"u8, "text");
                break;
            case OutputFormatKind.JsonObject:
                _writer.WriteString("type"u8, "json_object");
                break;
            default:
                _writer.WriteString("type"u8, "json_schema");
                _writer.WriteStartObject("json_schema"u8);
                if (format.Name is null)
                {
                    // Chat requires a schema name; other dialects have none.
                    Change("added:response_format.json_schema.name=response");
                }

                _writer.WriteString("name"u8, format.Name ?? "response");
                if (_request.Extensions.TryGetValue(ChatRequestDecoder.SchemaDescriptionKey, out var description))
                {
                    _writer.WritePropertyName("description"u8);
                    description.WriteTo(_writer);
                }

                if (format.Schema is { } schema)
                {
                    _writer.WritePropertyName("schema"u8);
                    schema.WriteTo(_writer);
                }

                if (format.Strict is { } strict)
                {
                    _writer.WriteBoolean("strict"u8, strict);
                }

                _writer.WriteEndObject();
                break;
        }

        _writer.WriteEndObject();
    }

    private void WriteStream()
    {
        bool hasOptions = SameDialect && _request.Extensions.TryGetValue(ChatRequestDecoder.StreamOptionsKey, out _);
        if (!_request.Stream)
        {
            if (hasOptions)
            {
                _writer.WritePropertyName("stream_options"u8);
                _request.Extensions[ChatRequestDecoder.StreamOptionsKey].WriteTo(_writer);
            }

            return;
        }

        _writer.WriteBoolean("stream"u8, true);

        // Warden meters every stream from upstream-reported usage, so it always asks for the usage chunk.
        _writer.WriteStartObject("stream_options"u8);
        if (hasOptions && _request.Extensions[ChatRequestDecoder.StreamOptionsKey] is { ValueKind: JsonValueKind.Object } options)
        {
            foreach (var member in options.EnumerateObject())
            {
                if (member.Name != "include_usage")
                {
                    member.WriteTo(_writer);
                }
            }
        }

        _writer.WriteBoolean("include_usage"u8, true);
        _writer.WriteEndObject();
        if (_request.IncludeUsage != true)
        {
            Change("added:stream_options.include_usage=true");
        }
    }

    private void WriteTools()
    {
        if (_request.Tools.Count == 0)
        {
            return;
        }

        _writer.WriteStartArray("tools"u8);
        for (int i = 0; i < _request.Tools.Count; i++)
        {
            var tool = _request.Tools[i];
            if (!tool.IsFunction)
            {
                var origin = tool.Origin ?? _request.Origin;
                if (origin == WireDialectName.OpenAIChat && tool.Raw is { } raw)
                {
                    raw.WriteTo(_writer);
                    continue;
                }

                string key = TranslationRules.Prefix(origin) + "tool:" + tool.Kind;
                if (TranslationRules.LeftOutReason(key) is not null)
                {
                    Change("left_out:" + key);
                    continue;
                }

                throw new RefusedException($"'tools[{i}]' ({tool.Kind}) cannot be sent to an OpenAI Chat Completions upstream: Chat Completions only takes function tools.", $"tools[{i}] ({tool.Kind})");
            }

            CheckExtensions(tool.Extensions, $"tools[{i}]");
            _writer.WriteStartObject();
            _writer.WriteString("type"u8, "function");
            _writer.WriteStartObject("function"u8);
            _writer.WriteString("name"u8, tool.Name);
            if (tool.Description is { } description)
            {
                _writer.WriteString("description"u8, description);
            }

            if (tool.InputSchema is { } schema)
            {
                _writer.WritePropertyName("parameters"u8);
                schema.WriteTo(_writer);
            }

            if (tool.Strict is { } strict)
            {
                _writer.WriteBoolean("strict"u8, strict);
            }

            WriteOwn(tool.Extensions);
            _writer.WriteEndObject();
            _writer.WriteEndObject();
        }

        _writer.WriteEndArray();
    }

    private void WriteToolChoice()
    {
        switch (_request.ToolChoice)
        {
            case null:
                return;
            case { Mode: ToolChoiceMode.Auto }:
                _writer.WriteString("tool_choice"u8, "auto");
                return;
            case { Mode: ToolChoiceMode.None }:
                _writer.WriteString("tool_choice"u8, "none");
                return;
            case { Mode: ToolChoiceMode.Required }:
                _writer.WriteString("tool_choice"u8, "required");
                return;
            case { Name: var name }:
                _writer.WriteStartObject("tool_choice"u8);
                _writer.WriteString("type"u8, "function");
                _writer.WriteStartObject("function"u8);
                _writer.WriteString("name"u8, name);
                _writer.WriteEndObject();
                _writer.WriteEndObject();
                return;
        }
    }

    private void WriteMessages()
    {
        _writer.WriteStartArray("messages"u8);
        for (int i = 0; i < _request.Messages.Count; i++)
        {
            var message = _request.Messages[i];
            string path = $"messages[{i}]";
            CheckExtensions(message.Extensions, path);
            switch (message.Role)
            {
                case MessageRole.System or MessageRole.Developer:
                    WriteInstructions(message, path);
                    break;
                case MessageRole.User:
                    WriteUser(message, path);
                    break;
                default:
                    WriteAssistant(message, path);
                    break;
            }
        }

        _writer.WriteEndArray();
    }

    private void WriteInstructions(Message message, string path)
    {
        // "developer" is OpenAI's own role; other dialects' instructions are plain system messages for any vendor.
        bool developer = message.Role == MessageRole.Developer && _request.Origin is WireDialectName.OpenAIChat or WireDialectName.Responses;
        _writer.WriteStartObject();
        _writer.WriteString("role"u8, developer ? "developer" : "system");
        WriteName(message);
        for (int j = 0; j < message.Content.Count; j++)
        {
            if (message.Content[j] is not TextBlock)
            {
                throw Unsupported($"{path}.content[{j}]", message.Content[j], "system and developer messages carry text only");
            }
        }

        WriteUserContent(message.Content, message.WasString, path, 0);
        WriteOwn(message.Extensions);
        _writer.WriteEndObject();
    }

    private void WriteUser(Message message, string path)
    {
        int start = 0;
        for (int j = 0; j <= message.Content.Count; j++)
        {
            if (j < message.Content.Count && message.Content[j] is not ToolResultBlock)
            {
                continue;
            }

            if (j > start || (j == message.Content.Count && start == 0))
            {
                // The user content between tool results (usually all of it, or the text after the results).
                _writer.WriteStartObject();
                _writer.WriteString("role"u8, "user");
                WriteName(message);
                WriteUserContent(Slice(message.Content, start, j), message.WasString, path, start);
                WriteOwn(message.Extensions);
                _writer.WriteEndObject();
            }

            if (j < message.Content.Count)
            {
                WriteToolResult((ToolResultBlock)message.Content[j], $"{path}.content[{j}]");
            }

            start = j + 1;
        }
    }

    private void WriteToolResult(ToolResultBlock result, string path)
    {
        CheckExtensions(result.Extensions, path);
        if (result.IsError)
        {
            // Chat tool messages have no error flag; the result text itself says what failed.
            Change("left_out:tool_result.is_error");
        }

        _writer.WriteStartObject();
        if (result.Extensions?.ContainsKey(ChatRequestDecoder.LegacyFunctionKey) == true)
        {
            _writer.WriteString("role"u8, "function");
            _writer.WriteString("name"u8, result.Name ?? result.CallId);
        }
        else
        {
            _writer.WriteString("role"u8, "tool");
            _writer.WriteString("tool_call_id"u8, result.CallId);
            if (SameDialect && result.Name is { } name)
            {
                // Only a Chat client's own "name" goes back: OpenAI's tool message has no such member.
                _writer.WriteString("name"u8, name);
            }
        }

        for (int k = 0; k < result.Content.Count; k++)
        {
            if (result.Content[k] is not TextBlock)
            {
                throw Unsupported($"{path}.content[{k}]", result.Content[k], "Chat Completions tool messages carry text only");
            }
        }

        if (result.WasString || result.Content.Count == 0)
        {
            _writer.WriteString("content"u8, JoinText(result.Content));
        }
        else
        {
            _writer.WriteStartArray("content"u8);
            for (int k = 0; k < result.Content.Count; k++)
            {
                WriteTextPart((TextBlock)result.Content[k], $"{path}.content[{k}]");
            }

            _writer.WriteEndArray();
        }

        WriteOwn(result.Extensions, ChatRequestDecoder.LegacyFunctionKey);
        _writer.WriteEndObject();
    }

    private void WriteUserContent(IReadOnlyList<ContentBlock> blocks, bool wasString, string path, int offset)
    {
        if (wasString && blocks is [TextBlock { Extensions: null } only])
        {
            _writer.WriteString("content"u8, only.Text);
            return;
        }

        _writer.WriteStartArray("content"u8);
        for (int j = 0; j < blocks.Count; j++)
        {
            string partPath = $"{path}.content[{offset + j}]";
            switch (blocks[j])
            {
                case TextBlock text:
                    WriteTextPart(text, partPath);
                    break;
                case ImageBlock image:
                    WriteImagePart(image, partPath);
                    break;
                case DocumentBlock document when SameDialect && document.Data is not null:
                    // A Chat client's own file part goes back as it came; documents of other dialects are refused below.
                    CheckExtensions(document.Extensions, partPath);
                    _writer.WriteStartObject();
                    _writer.WriteString("type"u8, "file");
                    _writer.WriteStartObject("file"u8);
                    _writer.WriteString("file_data"u8, document.MediaType is null ? document.Data : ChatJson.ToDataUrl(document.MediaType, document.Data));
                    if (document.Title is { } filename)
                    {
                        _writer.WriteString("filename"u8, filename);
                    }

                    _writer.WriteEndObject();
                    WriteOwn(document.Extensions);
                    _writer.WriteEndObject();
                    break;
                case UnknownBlock { Origin: WireDialectName.OpenAIChat } unknown:
                    unknown.Raw.WriteTo(_writer);
                    break;
                case var other:
                    throw Unsupported(partPath, other, "a Chat Completions user message takes text, images and (from a Chat client) files");
            }
        }

        _writer.WriteEndArray();
    }

    private void WriteAssistant(Message message, string path)
    {
        string? reasoningText = null;
        var calls = new List<ToolCallBlock>();
        var content = new List<ContentBlock>();
        for (int j = 0; j < message.Content.Count; j++)
        {
            var block = message.Content[j];
            string blockPath = $"{path}.content[{j}]";
            switch (block)
            {
                case ReasoningBlock { Origin: WireDialectName.OpenAIChat, Text: { } text }:
                    // Reasoning that came from an OpenAI-compatible upstream's reasoning_content goes back there.
                    reasoningText = reasoningText is null ? text : reasoningText + text;
                    break;
                case ReasoningBlock reasoning:
                    // Chat has no standard place for another provider's reasoning, signed or not.
                    Change($"left_out:reasoning[{reasoning.Origin}]");
                    break;
                case ToolCallBlock call:
                    CheckExtensions(call.Extensions, blockPath);
                    calls.Add(call);
                    break;
                case TextBlock text:
                    CheckExtensions(text.Extensions, blockPath);
                    content.Add(text);
                    break;
                case UnknownBlock { Origin: WireDialectName.OpenAIChat } unknown when !unknown.Type.StartsWith("tool_call:", StringComparison.Ordinal):
                    content.Add(unknown);
                    break;
                case UnknownBlock { Origin: WireDialectName.OpenAIChat }:
                    break;
                default:
                    throw Unsupported(blockPath, block, "a Chat Completions assistant message carries text, reasoning_content and tool calls only");
            }
        }

        _writer.WriteStartObject();
        _writer.WriteString("role"u8, "assistant");
        WriteName(message);
        if (content.Count == 0)
        {
            _writer.WriteNull("content"u8);
        }
        else if (!SameDialect || (message.WasString && content.All(b => b is TextBlock { Extensions: null })))
        {
            _writer.WriteString("content"u8, JoinText(content));
        }
        else
        {
            _writer.WriteStartArray("content"u8);
            foreach (var block in content)
            {
                if (block is TextBlock text)
                {
                    WriteTextPart(text, path);
                }
                else
                {
                    ((UnknownBlock)block).Raw.WriteTo(_writer);
                }
            }

            _writer.WriteEndArray();
        }

        if (reasoningText is not null)
        {
            _writer.WriteString("reasoning_content"u8, reasoningText);
        }

        var otherCalls = message.Content.OfType<UnknownBlock>().Where(b => b.Origin == WireDialectName.OpenAIChat && b.Type.StartsWith("tool_call:", StringComparison.Ordinal)).ToList();
        if (calls.Count > 0 || otherCalls.Count > 0)
        {
            _writer.WriteStartArray("tool_calls"u8);
            foreach (var call in calls)
            {
                _writer.WriteStartObject();
                _writer.WriteString("id"u8, call.Id);
                _writer.WriteString("type"u8, "function");
                _writer.WriteStartObject("function"u8);
                _writer.WriteString("name"u8, call.Name);
                _writer.WriteString("arguments"u8, call.ArgumentsJson);
                _writer.WriteEndObject();
                WriteOwn(call.Extensions);
                _writer.WriteEndObject();
            }

            foreach (var other in otherCalls)
            {
                other.Raw.WriteTo(_writer);
            }

            _writer.WriteEndArray();
        }

        WriteOwn(message.Extensions);
        _writer.WriteEndObject();
    }

    private void WriteTextPart(TextBlock text, string path)
    {
        CheckExtensions(text.Extensions, path);
        _writer.WriteStartObject();
        _writer.WriteString("type"u8, "text");
        _writer.WriteString("text"u8, text.Text);
        WriteOwn(text.Extensions);
        _writer.WriteEndObject();
    }

    private void WriteImagePart(ImageBlock image, string path)
    {
        CheckExtensions(image.Extensions, path);
        string url = image.Data is { } data ? ChatJson.ToDataUrl(image.MediaType, data)
            : image.Url ?? throw new RefusedException($"'{path}' is an image with neither data nor a URL.", path);
        _writer.WriteStartObject();
        _writer.WriteString("type"u8, "image_url");
        _writer.WriteStartObject("image_url"u8);
        _writer.WriteString("url"u8, url);
        if (image.Extensions?.TryGetValue(ChatRequestDecoder.DetailKey, out var detail) == true)
        {
            _writer.WritePropertyName("detail"u8);
            detail.WriteTo(_writer);
        }

        _writer.WriteEndObject();
        WriteOwn(image.Extensions, ChatRequestDecoder.DetailKey);
        _writer.WriteEndObject();
    }

    private void WriteName(Message message)
    {
        if (message.Name is { } name)
        {
            _writer.WriteString("name"u8, name);
        }
    }

    /// <summary>Writes this dialect's own extension entries of a message, part or tool back as members.</summary>
    private void WriteOwn(IReadOnlyDictionary<string, JsonElement>? extensions, string? except = null)
    {
        if (extensions is null)
        {
            return;
        }

        foreach (var (key, value) in extensions)
        {
            if (key.StartsWith(Own, StringComparison.Ordinal) && key != except && key != ChatRequestDecoder.ReasoningContentKey)
            {
                _writer.WritePropertyName(key.AsSpan(Own.Length));
                value.WriteTo(_writer);
            }
        }
    }

    private void CheckExtensions(IReadOnlyDictionary<string, JsonElement>? extensions, string? path)
    {
        if (TranslationRules.Check(extensions, WireDialectName.OpenAIChat, _changes) is { } refused)
        {
            string field = refused[(refused.IndexOf('.', StringComparison.Ordinal) + 1)..];
            string where = path is null ? field : path + "." + field;
            throw new RefusedException(
                $"'{where}' ({refused}) cannot be sent to an OpenAI Chat Completions upstream: Chat Completions has no equivalent, and leaving it out would change the answer.",
                where);
        }
    }

    private static RefusedException Unsupported(string path, ContentBlock block, string why)
    {
        string kind = block switch
        {
            TextBlock => "text",
            ImageBlock => "image",
            DocumentBlock => "document",
            ToolCallBlock => "tool call",
            ToolResultBlock => "tool result",
            ReasoningBlock => "reasoning",
            UnknownBlock unknown => unknown.Type,
            _ => "block",
        };
        return new RefusedException($"'{path}' ({kind}) cannot be sent to an OpenAI Chat Completions upstream: {why}.", path);
    }

    private static string JoinText(IEnumerable<ContentBlock> blocks) => string.Concat(blocks.OfType<TextBlock>().Select(b => b.Text));

    private static List<ContentBlock> Slice(IReadOnlyList<ContentBlock> blocks, int start, int end)
    {
        var slice = new List<ContentBlock>(end - start);
        for (int j = start; j < end; j++)
        {
            slice.Add(blocks[j]);
        }

        return slice;
    }

    private string? OwnString(string key) =>
        _request.Extensions.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private void Change(string change)
    {
        if (!_changes.Contains(change))
        {
            _changes.Add(change);
        }
    }

    /// <summary>A field Chat cannot express; caught once in <see cref="Encode"/> and returned as <see cref="EncodedRequest.Refused"/>.</summary>
    private sealed class RefusedException(string message, string param) : Exception(message)
    {
        public string Param { get; } = param;
    }
}
