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
        if (!SimulatorJsonRead.TryRequireModel(root, out var modelText, out error))
        {
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
            var systemText = Text(system);
            tally.Add("system", systemText.Length, null, systemText);
        }

        if (!TryReadMessages(root, tally, echoes, out error)
            || !SimulatorToolRead.TryReadArray(root, ReadTool, out var tools, out var toolsBytes, out error)
            || !SimulatorToolRead.TryReadChoice(root, tools, ReadToolChoice, out var choice, out var choiceName, out error))
        {
            return false;
        }

        var thinking = root.TryGetProperty("thinking", out var t) ? SimulatorJsonRead.String(t, "type") : null;
        var schema = OutputSchema(root);
        request = SimulatorChatRequest.FromParts(
            SimulatorDialect.Anthropic,
            modelText,
            stream,
            includeUsage: true,
            maxTokens,
            tally,
            new SimulatorToolSetup(tools, toolsBytes, choice, choiceName),
            asksForReasoning: thinking is "enabled" or "adaptive",
            (schema is null ? SimulatorJsonMode.None : SimulatorJsonMode.Schema, schema),
            echoes,
            SimulatorJsonRead.Sampling(root, readsSeed: false));
        return true;
    }

    /// <summary>output_format {type:"json_schema", schema} (structured outputs beta) or output_config.format.</summary>
    private static JsonElement? OutputSchema(JsonElement root)
    {
        var format = root.TryGetProperty("output_format", out var f) ? f
            : SimulatorJsonRead.TryGetObject(root, "output_config", out var config) && config.TryGetProperty("format", out var cf) ? cf
            : default;
        return SimulatorJsonRead.String(format, "type") == "json_schema"
            && SimulatorJsonRead.TryGetObject(format, "schema", out var schema)
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
            var messageText = text.ToString();
            tally.Add(tallyRole, chars, role == "user" && !hasToolResult && hasText ? messageText : null, messageText);
            index++;
        }

        error = null;
        return true;
    }

    /// <summary>A string, or the text blocks of an array concatenated.</summary>
    private static string Text(JsonElement content) =>
        SimulatorJsonRead.Text(content, static block => SimulatorJsonRead.String(block, "type") == "text");

    /// <summary>Custom tools (no type, or type "custom") are callable; server tools (web_search_…, bash_…) only count as prompt.</summary>
    private static bool ReadTool(JsonElement tool, int index, List<SimulatorTool> list, [NotNullWhen(false)] out SimulatorError? error)
    {
        error = null;
        if (SimulatorJsonRead.String(tool, "type") is not (null or "custom"))
        {
            return true;
        }

        if (SimulatorJsonRead.String(tool, "name") is not { Length: > 0 } name)
        {
            error = SimulatorError.MissingParameter(string.Create(CultureInfo.InvariantCulture, $"tools.{index}.name"));
            return false;
        }

        SimulatorJsonRead.AddTool(list, name, tool.TryGetProperty("input_schema", out var schema) ? schema : null);
        return true;
    }

    private static bool ReadToolChoice(
        JsonElement element,
        IReadOnlyList<SimulatorTool> tools,
        out SimulatorToolChoice choice,
        out string? name,
        [NotNullWhen(false)] out SimulatorError? error)
    {
        var type = SimulatorJsonRead.String(element, "type");
        if (type == "tool" && SimulatorJsonRead.String(element, "name") is { } chosen)
        {
            return SimulatorToolRead.TryChooseDeclared(
                tools, chosen, "tool_choice", $"tool_choice: tool '{chosen}' is not among the declared tools.", out choice, out name, out error);
        }

        return SimulatorToolRead.PlainMode(type, "any") is { } mode
            ? SimulatorToolRead.Choose(mode, out choice, out name, out error)
            : SimulatorToolRead.Refuse(
                "tool_choice", "tool_choice: expected {\"type\": \"auto\" | \"any\" | \"none\"} or {\"type\": \"tool\", \"name\": ...}.", out choice, out name, out error);
    }
}
