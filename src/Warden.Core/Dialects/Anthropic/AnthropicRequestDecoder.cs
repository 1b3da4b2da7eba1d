using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Anthropic;

/// <summary>
/// Decodes an Anthropic Messages request body (or a count_tokens body) into a <see cref="CanonicalRequest"/>.
/// Top-level <c>system</c> becomes leading System message(s); a role:"system" entry inside <c>messages</c> (Claude
/// Code's mid-conversation system) stays a System message in place; top-level fields with no canonical place go to
/// <see cref="CanonicalRequest.Extensions"/> as "anthropic.&lt;field&gt;".
/// </summary>
internal static class AnthropicRequestDecoder
{
    private const string Prefix = "anthropic.";

    public static bool TryDecode(ReadOnlyMemory<byte> body, bool requireMaxTokens, out CanonicalRequest request, out RequestParseError? error)
    {
        request = null!;
        if (!AnthropicRequestInspector.TryInspect(body.Span, out _, out error))
        {
            return false;
        }

        JsonElement root;
        using (var document = JsonDocument.Parse(body, AnthropicJson.DocumentOptions))
        {
            // A clone owns its memory, so extensions stay valid after the caller reuses the body buffer.
            root = document.RootElement.Clone();
        }

        var decoded = new CanonicalRequest { Origin = WireDialectName.Anthropic, Model = AnthropicJson.GetString(root, "model")! };
        foreach (var property in root.EnumerateObject())
        {
            if (!TryReadField(property, decoded, out error))
            {
                return false;
            }
        }

        if (!root.TryGetProperty("messages"u8, out _))
        {
            error = new RequestParseError("messages: Field required.", "messages");
            return false;
        }

        if (requireMaxTokens && decoded.MaxOutputTokens is null)
        {
            error = new RequestParseError("max_tokens: Field required.", "max_tokens");
            return false;
        }

        request = decoded;
        return true;
    }

    private static bool TryReadField(JsonProperty property, CanonicalRequest request, out RequestParseError? error)
    {
        error = null;
        var value = property.Value;
        switch (property.Name)
        {
            case "model":
                return true;
            case "max_tokens":
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long maxTokens))
                {
                    return Fail("max_tokens: Input should be a valid integer.", "max_tokens", out error);
                }

                request.MaxOutputTokens = maxTokens;
                return true;
            case "stream":
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    return Fail("stream: Input should be a valid boolean.", "stream", out error);
                }

                request.Stream = value.ValueKind == JsonValueKind.True;
                return true;
            case "system":
                return TryReadSystem(value, request, out error);
            case "messages":
                return TryReadMessages(value, request, out error);
            case "tools":
                return TryReadTools(value, request, out error);
            case "tool_choice":
                return TryReadToolChoice(value, request, out error);
            case "temperature":
                return TryReadDouble(value, "temperature", v => request.Temperature = v, out error);
            case "top_p":
                return TryReadDouble(value, "top_p", v => request.TopP = v, out error);
            case "top_k":
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int topK))
                {
                    return Fail("top_k: Input should be a valid integer.", "top_k", out error);
                }

                request.TopK = topK;
                return true;
            case "stop_sequences":
                return TryReadStopSequences(value, request, out error);
            case "thinking":
                ReadThinking(value, request);
                return true;
            case "output_config":
                ReadOutputConfig(value, request);
                return true;
            case "output_format":
                if (!TryReadFormat(value, out var format))
                {
                    request.Extensions[Prefix + "output_format"] = value;
                    return true;
                }

                request.OutputFormat = format;
                return true;
            case "metadata":
                if (value.ValueKind == JsonValueKind.Object)
                {
                    request.User = AnthropicJson.GetString(value, "user_id");
                }

                request.Extensions[Prefix + "metadata"] = value;
                return true;
            default:
                request.Extensions[Prefix + property.Name] = value;
                return true;
        }
    }

    private static bool TryReadSystem(JsonElement value, CanonicalRequest request, out RequestParseError? error)
    {
        if (!AnthropicContentReader.TryReadContent(value, "system", fromClient: true, out var blocks, out bool wasString, out error))
        {
            return false;
        }

        // The system field always leads, whatever order the JSON properties came in.
        request.Messages.Insert(0, new Message(MessageRole.System, blocks) { WasString = wasString });
        return true;
    }

    private static bool TryReadMessages(JsonElement value, CanonicalRequest request, out RequestParseError? error)
    {
        error = null;
        if (value.ValueKind != JsonValueKind.Array)
        {
            return Fail("messages: Input should be a valid list.", "messages", out error);
        }

        int i = 0;
        foreach (var item in value.EnumerateArray())
        {
            string path = $"messages.{i}";
            if (item.ValueKind != JsonValueKind.Object)
            {
                return Fail($"{path}: Input should be a valid object.", path, out error);
            }

            MessageRole? role = AnthropicJson.GetString(item, "role") switch
            {
                "user" => MessageRole.User,
                "assistant" => MessageRole.Assistant,
                "system" => MessageRole.System,
                _ => null,
            };
            if (role is null)
            {
                return Fail($"{path}.role: Input should be 'user', 'assistant' or 'system'.", path + ".role", out error);
            }

            if (!item.TryGetProperty("content"u8, out var content))
            {
                return Fail($"{path}.content: Field required.", path + ".content", out error);
            }

            if (!AnthropicContentReader.TryReadContent(content, path + ".content", fromClient: true, out var blocks, out bool wasString, out error))
            {
                return false;
            }

            request.Messages.Add(new Message(role.Value, blocks)
            {
                WasString = wasString,
                Extensions = AnthropicContentReader.ExtraFields(item, "role", "content"),
            });
            i++;
        }

        return true;
    }

    private static bool TryReadTools(JsonElement value, CanonicalRequest request, out RequestParseError? error)
    {
        error = null;
        if (value.ValueKind != JsonValueKind.Array)
        {
            return Fail("tools: Input should be a valid list.", "tools", out error);
        }

        int i = 0;
        foreach (var tool in value.EnumerateArray())
        {
            string path = $"tools.{i}";
            if (tool.ValueKind != JsonValueKind.Object)
            {
                return Fail($"{path}: Input should be a valid object.", path, out error);
            }

            string? type = AnthropicJson.GetString(tool, "type");
            string? name = AnthropicJson.GetString(tool, "name");
            if (type is null or "custom")
            {
                if (name is null)
                {
                    return Fail($"{path}.name: Field required.", path + ".name", out error);
                }

                JsonElement? schema = tool.TryGetProperty("input_schema"u8, out var s) ? s : null;
                bool? strict = tool.TryGetProperty("strict"u8, out var st) && st.ValueKind is JsonValueKind.True or JsonValueKind.False ? st.ValueKind == JsonValueKind.True : null;
                var definition = new ToolDefinition(ToolDefinition.FunctionKind, name, AnthropicJson.GetString(tool, "description"), schema)
                {
                    Origin = WireDialectName.Anthropic,
                    Strict = strict,
                    Extensions = AnthropicContentReader.ExtraFields(tool, "type", "name", "description", "input_schema", "strict"),
                };
                if (type == "custom")
                {
                    AnthropicShapeHints.Add(definition, AnthropicShape.ExplicitCustomType);
                }

                request.Tools.Add(definition);
            }
            else
            {
                request.Tools.Add(new ToolDefinition(type, name ?? type, null, null) { Raw = tool, Origin = WireDialectName.Anthropic });
            }

            i++;
        }

        return true;
    }

    private static bool TryReadToolChoice(JsonElement value, CanonicalRequest request, out RequestParseError? error)
    {
        error = null;
        string? type = value.ValueKind == JsonValueKind.Object ? AnthropicJson.GetString(value, "type") : null;
        ToolChoiceMode? mode = type switch
        {
            "auto" => ToolChoiceMode.Auto,
            "any" => ToolChoiceMode.Required,
            "tool" => ToolChoiceMode.Specific,
            "none" => ToolChoiceMode.None,
            _ => null,
        };
        if (mode is null)
        {
            return Fail("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'.", "tool_choice.type", out error);
        }

        string? name = AnthropicJson.GetString(value, "name");
        if (mode == ToolChoiceMode.Specific && name is null)
        {
            return Fail("tool_choice.name: Field required.", "tool_choice.name", out error);
        }

        request.ToolChoice = new ToolChoice(mode.Value, mode == ToolChoiceMode.Specific ? name : null);
        if (value.TryGetProperty("disable_parallel_tool_use"u8, out var disable) && disable.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            request.ParallelToolCalls = disable.ValueKind == JsonValueKind.False;
        }

        return true;
    }

    private static bool TryReadStopSequences(JsonElement value, CanonicalRequest request, out RequestParseError? error)
    {
        error = null;
        if (value.ValueKind != JsonValueKind.Array)
        {
            return Fail("stop_sequences: Input should be a valid list.", "stop_sequences", out error);
        }

        List<string> stops = [];
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                return Fail("stop_sequences: each entry should be a valid string.", "stop_sequences", out error);
            }

            stops.Add(item.GetString()!);
        }

        request.StopSequences = stops;
        return true;
    }

    /// <summary>thinking: enabled with a budget, adaptive, or disabled. Any other shape travels raw as an extension.</summary>
    private static void ReadThinking(JsonElement value, CanonicalRequest request)
    {
        string? type = value.ValueKind == JsonValueKind.Object ? AnthropicJson.GetString(value, "type") : null;
        long? budget = value.ValueKind == JsonValueKind.Object ? AnthropicJson.GetInt64(value, "budget_tokens") : null;
        var extra = value.ValueKind == JsonValueKind.Object ? AnthropicContentReader.ExtraFields(value, "type", "budget_tokens") : null;
        var current = request.Reasoning;
        ReasoningOptions? options = (type, budget, extra) switch
        {
            ("enabled", not null, null) => new ReasoningOptions(true, budget, current?.Effort, false, null, null),
            ("adaptive", null, null) => new ReasoningOptions(true, null, current?.Effort, true, null, null),
            ("disabled", null, null) => new ReasoningOptions(false, null, current?.Effort, false, null, null),
            _ => null,
        };
        if (options is null)
        {
            request.Extensions[Prefix + "thinking"] = value;
            return;
        }

        request.Reasoning = options;
    }

    /// <summary>output_config: effort → reasoning effort, format → output format; any other member keeps the object raw.</summary>
    private static void ReadOutputConfig(JsonElement value, CanonicalRequest request)
    {
        var extra = value.ValueKind == JsonValueKind.Object ? AnthropicContentReader.ExtraFields(value, "effort", "format") : null;
        OutputFormat? format = null;
        bool formatOk = value.ValueKind == JsonValueKind.Object
            && (!value.TryGetProperty("format"u8, out var f) || TryReadFormat(f, out format));
        bool effortOk = value.ValueKind == JsonValueKind.Object
            && (!value.TryGetProperty("effort"u8, out var e) || e.ValueKind == JsonValueKind.String);
        if (extra is not null || !formatOk || !effortOk)
        {
            request.Extensions[Prefix + "output_config"] = value;
            return;
        }

        if (AnthropicJson.GetString(value, "effort") is { } effort)
        {
            var current = request.Reasoning;
            request.Reasoning = current is null
                ? new ReasoningOptions(null, null, effort, false, null, null)
                : current with { Effort = effort };
        }

        if (format is not null)
        {
            request.OutputFormat = format;
            AnthropicShapeHints.Add(request, AnthropicShape.FormatInOutputConfig);
        }
    }

    private static bool TryReadFormat(JsonElement value, out OutputFormat? format)
    {
        format = null;
        if (value.ValueKind != JsonValueKind.Object || AnthropicJson.GetString(value, "type") != "json_schema"
            || !value.TryGetProperty("schema"u8, out var schema) || AnthropicContentReader.ExtraFields(value, "type", "schema") is not null)
        {
            return false;
        }

        format = new OutputFormat(OutputFormatKind.JsonSchema, schema, null, null);
        return true;
    }

    private static bool TryReadDouble(JsonElement value, string name, Action<double> set, out RequestParseError? error)
    {
        error = null;
        // TryGetDouble reads a number beyond a double's range (1e999999) as infinity, which no upstream's encoder can write.
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double number) || !double.IsFinite(number))
        {
            return Fail($"{name}: Input should be a valid number.", name, out error);
        }

        set(number);
        return true;
    }

    private static bool Fail(string message, string param, out RequestParseError? error)
    {
        error = new RequestParseError(message, param);
        return false;
    }
}
