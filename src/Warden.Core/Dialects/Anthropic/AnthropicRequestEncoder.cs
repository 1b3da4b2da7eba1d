using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Anthropic;

/// <summary>
/// Encodes a canonical request (of any origin) as an Anthropic Messages body. Leading System/Developer messages
/// become <c>system</c>; later ones become role:"system" entries (the mid-conversation form Claude Code uses).
/// What Anthropic cannot express is refused naming the field, or left out by a declared rule and listed in changes.
/// </summary>
internal sealed class AnthropicRequestEncoder
{
    private const string Prefix = "anthropic.";

    private static readonly HashSet<string> Efforts = new(StringComparer.Ordinal) { "low", "medium", "high", "xhigh", "max" };

    private readonly CanonicalRequest _request;
    private readonly bool _countTokens;
    private readonly List<string> _changes = [];
    private readonly AnthropicContentWriter _content;

    private AnthropicRequestEncoder(CanonicalRequest request, bool countTokens)
    {
        _request = request;
        _countTokens = countTokens;
        _content = new AnthropicContentWriter(forRequest: true, _changes);
    }

    private bool IsOwn => _request.Origin == WireDialectName.Anthropic;

    /// <summary>
    /// Encodes a Messages body, or with <paramref name="countTokens"/> a count_tokens body (model, system, messages,
    /// tools, tool_choice, thinking: the parts that are counted).
    /// </summary>
    public static EncodedRequest Encode(CanonicalRequest request, string upstreamModel, bool countTokens)
    {
        ArgumentNullException.ThrowIfNull(request);
        var encoder = new AnthropicRequestEncoder(request, countTokens);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, AnthropicJson.WriterOptions))
        {
            encoder.WriteBody(writer, upstreamModel);
        }

        return encoder._content.Refusal is { } refusal
            ? EncodedRequest.Refused(refusal.Message, refusal.Param ?? string.Empty)
            : new EncodedRequest(buffer.WrittenMemory, encoder._changes, null);
    }

    private void WriteBody(Utf8JsonWriter writer, string upstreamModel)
    {
        writer.WriteStartObject();
        writer.WriteString("model"u8, upstreamModel);
        if (!_countTokens)
        {
            WriteMaxTokens(writer);
        }

        WriteMessages(writer);
        WriteTools(writer);
        if (!_countTokens)
        {
            WriteSampling(writer);
        }

        WriteReasoningAndFormat(writer);
        if (!_countTokens)
        {
            WriteMetadata(writer);
            WriteExtensions(writer);
        }

        writer.WriteEndObject();
    }

    private void WriteMaxTokens(Utf8JsonWriter writer)
    {
        if (_request.MaxOutputTokens is long max)
        {
            writer.WriteNumber("max_tokens"u8, max);
            return;
        }

        // Anthropic requires max_tokens; clients of other dialects may leave the cap to the server.
        writer.WriteNumber("max_tokens"u8, AnthropicCodec.DefaultMaxTokens);
        _content.AddChange($"added:max_tokens={AnthropicCodec.DefaultMaxTokens}");
    }

    private void WriteMessages(Utf8JsonWriter writer)
    {
        var messages = _request.Messages;
        int leading = 0;
        while (leading < messages.Count && messages[leading].Role is MessageRole.System or MessageRole.Developer)
        {
            leading++;
        }

        if (leading > 0)
        {
            writer.WritePropertyName("system"u8);
            WriteSystem(writer, messages, leading);
        }

        writer.WriteStartArray("messages"u8);
        int i = leading;
        while (i < messages.Count)
        {
            var message = messages[i];
            string path = $"messages[{i}]";
            CheckMessageExtensions(message, path);

            // Tool results of parallel calls must all sit in ONE user message: merge consecutive user messages of
            // other dialects (Anthropic clients already send them that way).
            int end = i + 1;
            if (message.Role == MessageRole.User && !IsOwn)
            {
                while (end < messages.Count && messages[end].Role == MessageRole.User)
                {
                    CheckMessageExtensions(messages[end], $"messages[{end}]");
                    end++;
                }
            }

            writer.WriteStartObject();
            writer.WriteString("role"u8, message.Role switch
            {
                MessageRole.User => "user",
                MessageRole.Assistant => "assistant",
                _ => "system",
            });
            writer.WritePropertyName("content"u8);
            if (end == i + 1)
            {
                _content.WriteContent(writer, message.Content, message.WasString, path + ".content");
            }
            else
            {
                _content.WriteArray(writer, messages.Skip(i).Take(end - i).SelectMany(m => m.Content), path + ".content");
            }

            writer.WriteEndObject();
            i = end;
        }

        writer.WriteEndArray();
    }

    private void WriteSystem(Utf8JsonWriter writer, List<Message> messages, int leading)
    {
        if (leading == 1 && messages[0].WasString && messages[0].Content is [TextBlock { Extensions: null } only])
        {
            CheckMessageExtensions(messages[0], "messages[0]");
            writer.WriteStringValue(only.Text);
            return;
        }

        writer.WriteStartArray();
        for (int i = 0; i < leading; i++)
        {
            CheckMessageExtensions(messages[i], $"messages[{i}]");
            int j = 0;
            foreach (var block in messages[i].Content)
            {
                string path = $"messages[{i}].content[{j}]";
                if (block is TextBlock)
                {
                    _content.WriteBlock(writer, block, path);
                }
                else
                {
                    _content.Refuse($"{path}: Anthropic's system prompt holds only text, not a {block.GetType().Name}.", path);
                }

                j++;
            }
        }

        writer.WriteEndArray();
    }

    private void CheckMessageExtensions(Message message, string path)
    {
        if (message.Extensions is { } extensions && TranslationRules.Check(extensions, WireDialectName.Anthropic, _changes) is { } refused)
        {
            _content.Refuse($"{path}: '{refused}' cannot be expressed for an Anthropic upstream.", $"{path}.{refused}");
        }

        if (message.Name is not null && !IsOwn)
        {
            _content.Refuse($"{path}.name: Anthropic messages have no participant name.", $"{path}.name");
        }
    }

    private void WriteTools(Utf8JsonWriter writer)
    {
        if (_request.Tools.Count > 0)
        {
            writer.WriteStartArray("tools"u8);
            for (int i = 0; i < _request.Tools.Count; i++)
            {
                WriteTool(writer, _request.Tools[i], $"tools[{i}]");
            }

            writer.WriteEndArray();
        }

        WriteToolChoice(writer);
    }

    private void WriteTool(Utf8JsonWriter writer, ToolDefinition tool, string path)
    {
        if (!tool.IsFunction)
        {
            if (tool.Origin == WireDialectName.Anthropic && tool.Raw is { } raw)
            {
                AnthropicJson.WriteRaw(writer, raw);
                return;
            }

            string origin = tool.Origin is { } o ? TranslationRules.Prefix(o) : string.Empty;
            string key = origin + "tool:" + tool.Kind;
            if (TranslationRules.LeftOutReason(key) is not null)
            {
                _content.AddChange("left_out:" + key);
            }
            else
            {
                _content.Refuse($"{path} ({tool.Kind}): this tool type cannot be sent to an Anthropic upstream.", $"{path} ({tool.Kind})");
            }

            return;
        }

        writer.WriteStartObject();
        if (AnthropicShapeHints.Has(tool, AnthropicShape.ExplicitCustomType))
        {
            writer.WriteString("type"u8, "custom"u8);
        }

        writer.WriteString("name"u8, tool.Name);
        if (tool.Description is not null)
        {
            writer.WriteString("description"u8, tool.Description);
        }

        writer.WritePropertyName("input_schema"u8);
        if (tool.InputSchema is { } schema)
        {
            AnthropicJson.WriteRaw(writer, schema);
        }
        else
        {
            // Anthropic requires a schema; a function without parameters takes an empty object.
            writer.WriteStartObject();
            writer.WriteString("type"u8, "object"u8);
            writer.WriteEndObject();
        }

        if (tool.Strict is bool strict && (IsOwn || strict))
        {
            writer.WriteBoolean("strict"u8, strict);
        }

        _content.WriteExtensions(writer, tool.Extensions, path);
        writer.WriteEndObject();
    }

    private void WriteToolChoice(Utf8JsonWriter writer)
    {
        var choice = _request.ToolChoice;
        bool? disableParallel = _request.ParallelToolCalls is bool parallel ? !parallel : null;
        if (choice is null)
        {
            if (disableParallel != true || _request.Tools.Count == 0)
            {
                return;
            }

            choice = new ToolChoice(ToolChoiceMode.Auto, null);
        }

        writer.WriteStartObject("tool_choice"u8);
        writer.WriteString("type"u8, choice.Mode switch
        {
            ToolChoiceMode.Required => "any",
            ToolChoiceMode.Specific => "tool",
            ToolChoiceMode.None => "none",
            _ => "auto",
        });
        if (choice.Mode == ToolChoiceMode.Specific)
        {
            writer.WriteString("name"u8, choice.Name);
        }

        if (disableParallel is bool disable && choice.Mode != ToolChoiceMode.None)
        {
            writer.WriteBoolean("disable_parallel_tool_use"u8, disable);
        }

        writer.WriteEndObject();
    }

    private void WriteSampling(Utf8JsonWriter writer)
    {
        if (_request.Temperature is double temperature)
        {
            writer.WriteNumber("temperature"u8, temperature);
        }

        if (_request.TopP is double topP)
        {
            writer.WriteNumber("top_p"u8, topP);
        }

        if (_request.TopK is int topK)
        {
            writer.WriteNumber("top_k"u8, topK);
        }

        if (_request.StopSequences is { Count: > 0 } stops)
        {
            writer.WriteStartArray("stop_sequences"u8);
            foreach (string stop in stops)
            {
                writer.WriteStringValue(stop);
            }

            writer.WriteEndArray();
        }

        if (_request.Stream)
        {
            writer.WriteBoolean("stream"u8, true);
        }
    }

    private void WriteReasoningAndFormat(Utf8JsonWriter writer)
    {
        var reasoning = _request.Reasoning;
        bool rawThinking = _request.Extensions.ContainsKey(Prefix + "thinking") && IsOwn;
        if (reasoning is not null && !rawThinking)
        {
            WriteThinking(writer, reasoning);
        }

        string? effort = reasoning?.Effort;
        if (effort is not null && !IsOwn && !Efforts.Contains(effort))
        {
            string field = DialectNames.EffortField(_request.Origin);
            _content.Refuse($"{field}: the effort '{effort}' has no Anthropic equivalent (Anthropic accepts low, medium, high, xhigh, max).", field);
        }

        var format = _request.OutputFormat;
        if (format?.Kind == OutputFormatKind.JsonObject)
        {
            string field = DialectNames.OutputFormatField(_request.Origin);
            _content.Refuse($"{field}: Anthropic has no mode for 'any JSON object'; give a JSON schema instead.", field);
            format = null;
        }
        else if (format?.Kind != OutputFormatKind.JsonSchema)
        {
            format = null;
        }

        bool formatInConfig = format is not null && AnthropicShapeHints.Has(_request, AnthropicShape.FormatInOutputConfig);
        bool rawConfig = IsOwn && _request.Extensions.ContainsKey(Prefix + "output_config");
        if (!rawConfig && (effort is not null || formatInConfig) && !_countTokens)
        {
            writer.WriteStartObject("output_config"u8);
            if (effort is not null)
            {
                writer.WriteString("effort"u8, effort);
            }

            if (formatInConfig)
            {
                WriteFormat(writer, "format"u8, format!);
            }

            writer.WriteEndObject();
        }

        if (format is not null && !formatInConfig && !_countTokens)
        {
            WriteFormat(writer, "output_format"u8, format);
        }
    }

    private static void WriteThinking(Utf8JsonWriter writer, ReasoningOptions reasoning)
    {
        string? type;
        if (reasoning.Adaptive)
        {
            type = "adaptive";
        }
        else if (reasoning.Enabled == false)
        {
            type = "disabled";
        }
        else if (reasoning.BudgetTokens is not null)
        {
            type = "enabled";
        }
        else if (reasoning.Enabled == true && reasoning.Effort is null)
        {
            // Reasoning asked for without a budget or an effort: let the model decide how much to think.
            type = "adaptive";
        }
        else
        {
            type = null;
        }

        if (type is null)
        {
            return;
        }

        writer.WriteStartObject("thinking"u8);
        writer.WriteString("type"u8, type);
        if (type == "enabled")
        {
            writer.WriteNumber("budget_tokens"u8, reasoning.BudgetTokens!.Value);
        }

        writer.WriteEndObject();
    }

    private static void WriteFormat(Utf8JsonWriter writer, ReadOnlySpan<byte> name, OutputFormat format)
    {
        writer.WriteStartObject(name);
        writer.WriteString("type"u8, "json_schema"u8);
        writer.WritePropertyName("schema"u8);
        if (format.Schema is { } schema)
        {
            AnthropicJson.WriteRaw(writer, schema);
        }
        else
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "object"u8);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private void WriteMetadata(Utf8JsonWriter writer)
    {
        if (IsOwn || _request.User is null || _request.Extensions.ContainsKey(Prefix + "metadata"))
        {
            return; // Anthropic's own metadata is written back raw with the other extensions.
        }

        writer.WriteStartObject("metadata"u8);
        writer.WriteString("user_id"u8, _request.User);
        writer.WriteEndObject();
    }

    private void WriteExtensions(Utf8JsonWriter writer)
    {
        if (TranslationRules.Check(_request.Extensions, WireDialectName.Anthropic, _changes) is { } refused)
        {
            string field = refused[(refused.IndexOf('.', StringComparison.Ordinal) + 1)..];
            _content.Refuse($"'{field}' of the {DialectNames.Of(_request.Origin)} request cannot be expressed for an Anthropic upstream.", field);
        }

        foreach (var (key, value) in _request.Extensions)
        {
            if (key.StartsWith(Prefix, StringComparison.Ordinal))
            {
                writer.WritePropertyName(key.AsSpan(Prefix.Length));
                AnthropicJson.WriteRaw(writer, value);
            }
        }
    }
}
