using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>
/// Reads an Anthropic Messages request (and a count_tokens body) into the simulator's request:
/// system, messages with text / tool_use / tool_result / thinking blocks, custom tools, tool_choice,
/// thinking and output_format / output_config.format. Thinking signatures in assistant turns are
/// collected for verification.
/// </summary>
internal static class SimulatorAnthropicRequest
{
    public static bool TryParse(
        JsonElement root,
        bool countOnly,
        [NotNullWhen(true)] out SimulatorChatRequest? request,
        [NotNullWhen(false)] out SimulatorError? error)
    {
        request = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = SimulatorError.BadRequest("The request body must be a JSON object.");
            return false;
        }

        if (SimulatorJsonRead.String(root, "model") is not { } modelText)
        {
            error = SimulatorError.MissingParameter("model");
            return false;
        }

        if (!SimulatorJsonRead.TryPositiveInt(root, "max_tokens", "max_tokens", out var maxTokens, out error)
            || !SimulatorJsonRead.TryBool(root, "stream", out var stream, out error))
        {
            return false;
        }

        if (maxTokens is null && !countOnly)
        {
            error = SimulatorError.MissingParameter("max_tokens");
            return false;
        }

        var tally = new SimulatorMessageTally();
        var echoes = new List<SimulatorEcho>();
        if (root.TryGetProperty("system", out var system) && system.ValueKind is JsonValueKind.String or JsonValueKind.Array)
        {
            tally.Add("system", Text(system).Length, null);
        }

        if (!TryReadMessages(root, tally, echoes, out error)
            || !TryReadTools(root, out var tools, out var toolsBytes, out error)
            || !TryReadToolChoice(root, tools, out var choice, out var choiceName, out error))
        {
            return false;
        }

        var (model, faults) = SimulatorJsonRead.SplitModel(modelText);
        var thinking = root.TryGetProperty("thinking", out var t) ? SimulatorJsonRead.String(t, "type") : null;
        var schema = OutputSchema(root);
        request = new SimulatorChatRequest
        {
            Dialect = SimulatorDialect.Anthropic,
            Model = model,
            ModelSuffixFaults = faults,
            Stream = stream,
            IncludeUsage = true,
            MaxTokens = maxTokens,
            MessageCount = tally.Count,
            PromptChars = tally.PromptChars,
            LastMessageChars = tally.LastChars,
            LastRole = tally.LastRole,
            LastUserText = tally.LastUserText,
            Tools = tools,
            ToolsJsonBytes = toolsBytes,
            ToolChoice = choice,
            ToolChoiceName = choiceName,
            Reasoning = SimulatorModels.Reasons(model) || thinking is "enabled" or "adaptive",
            JsonMode = schema is null ? SimulatorJsonMode.None : SimulatorJsonMode.Schema,
            JsonSchema = schema,
            Echoes = echoes,
        };
        return true;
    }

    /// <summary>output_format {type:"json_schema", schema} (structured outputs beta) or output_config.format.</summary>
    private static JsonElement? OutputSchema(JsonElement root)
    {
        var format = root.TryGetProperty("output_format", out var f) ? f
            : root.TryGetProperty("output_config", out var config) && config.ValueKind == JsonValueKind.Object && config.TryGetProperty("format", out var cf) ? cf
            : default;
        return SimulatorJsonRead.String(format, "type") == "json_schema"
            && format.TryGetProperty("schema", out var schema) && schema.ValueKind == JsonValueKind.Object
                ? schema.Clone()
                : null;
    }

    private static bool TryReadMessages(JsonElement root, SimulatorMessageTally tally, List<SimulatorEcho> echoes, [NotNullWhen(false)] out SimulatorError? error)
    {
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            error = SimulatorError.MissingParameter("messages");
            return false;
        }

        if (messages.GetArrayLength() == 0)
        {
            error = SimulatorError.InvalidValue("messages", "messages: at least one message is required");
            return false;
        }

        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"messages.{index}");
            var role = SimulatorJsonRead.String(message, "role");
            if (role is not ("user" or "assistant" or "system"))
            {
                error = SimulatorError.InvalidValue(path + ".role", $"{path}.role: Input should be 'user' or 'assistant'");
                return false;
            }

            if (!message.TryGetProperty("content", out var content) || content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
            {
                error = SimulatorError.MissingParameter(path + ".content");
                return false;
            }

            var chars = 0;
            var hasToolResult = false;
            var hasText = content.ValueKind == JsonValueKind.String;
            var text = new StringBuilder();
            if (content.ValueKind == JsonValueKind.String)
            {
                text.Append(content.GetString());
            }
            else
            {
                foreach (var block in content.EnumerateArray())
                {
                    switch (SimulatorJsonRead.String(block, "type"))
                    {
                        case "text":
                            hasText = true;
                            text.Append(SimulatorJsonRead.String(block, "text"));
                            break;
                        case "tool_use":
                            chars += (SimulatorJsonRead.String(block, "name")?.Length ?? 0)
                                + (block.TryGetProperty("input", out var input) ? SimulatorJsonRead.CompactLength(input) : 0);
                            break;
                        case "tool_result":
                            hasToolResult = true;
                            chars += block.TryGetProperty("content", out var result) ? Text(result).Length : 0;
                            break;
                        case "thinking":
                            var thinking = SimulatorJsonRead.String(block, "thinking") ?? "";
                            chars += thinking.Length;
                            if (role == "assistant" && SimulatorJsonRead.String(block, "signature") is { } signature)
                            {
                                echoes.Add(new SimulatorEcho(SimulatorDialect.Anthropic, signature, thinking));
                            }

                            break;
                    }
                }
            }

            chars += text.Length;
            var tallyRole = hasToolResult ? SimulatorMessageTally.ToolRole : role;
            tally.Add(tallyRole, chars, role == "user" && !hasToolResult && hasText ? text.ToString() : null);
            index++;
        }

        error = null;
        return true;
    }

    /// <summary>A string, or the text blocks of an array concatenated.</summary>
    private static string Text(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }

        var builder = new StringBuilder();
        if (content.ValueKind == JsonValueKind.Array)
        {
            foreach (var block in content.EnumerateArray())
            {
                if (SimulatorJsonRead.String(block, "type") == "text")
                {
                    builder.Append(SimulatorJsonRead.String(block, "text"));
                }
            }
        }

        return builder.ToString();
    }

    /// <summary>Custom tools (no type, or type "custom") are callable; server tools (web_search_…, bash_…) only count as prompt.</summary>
    private static bool TryReadTools(JsonElement root, out IReadOnlyList<SimulatorTool> tools, out int jsonBytes, [NotNullWhen(false)] out SimulatorError? error)
    {
        tools = [];
        jsonBytes = 0;
        error = null;
        if (!root.TryGetProperty("tools", out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            error = SimulatorError.InvalidType("tools", "an array");
            return false;
        }

        var list = new List<SimulatorTool>();
        var index = 0;
        foreach (var tool in array.EnumerateArray())
        {
            var type = SimulatorJsonRead.String(tool, "type");
            if (type is null or "custom")
            {
                if (SimulatorJsonRead.String(tool, "name") is not { Length: > 0 } name)
                {
                    error = SimulatorError.MissingParameter(string.Create(CultureInfo.InvariantCulture, $"tools.{index}.name"));
                    return false;
                }

                SimulatorJsonRead.AddTool(list, name, tool.TryGetProperty("input_schema", out var schema) ? schema : null);
            }

            index++;
        }

        tools = list;
        jsonBytes = SimulatorJsonRead.CompactLength(array);
        return true;
    }

    private static bool TryReadToolChoice(
        JsonElement root,
        IReadOnlyList<SimulatorTool> tools,
        out SimulatorToolChoice choice,
        out string? name,
        [NotNullWhen(false)] out SimulatorError? error)
    {
        choice = SimulatorToolChoice.Auto;
        name = null;
        error = null;
        if (!root.TryGetProperty("tool_choice", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        switch (SimulatorJsonRead.String(element, "type"))
        {
            case "auto":
                return true;
            case "none":
                choice = SimulatorToolChoice.None;
                return true;
            case "any":
                choice = SimulatorToolChoice.Required;
                return true;
            case "tool" when SimulatorJsonRead.String(element, "name") is { } chosen:
                if (!tools.Any(tool => string.Equals(tool.Name, chosen, StringComparison.Ordinal)))
                {
                    error = SimulatorError.InvalidValue("tool_choice", $"tool_choice: tool '{chosen}' is not among the declared tools.");
                    return false;
                }

                choice = SimulatorToolChoice.Named;
                name = chosen;
                return true;
            default:
                error = SimulatorError.InvalidValue("tool_choice", "tool_choice: expected {\"type\": \"auto\" | \"any\" | \"none\"} or {\"type\": \"tool\", \"name\": ...}.");
                return false;
        }
    }
}
