using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>
/// Reads an OpenAI Responses request into the simulator's request, in the shapes Codex sends:
/// input as a string or items (messages with developer/user/assistant roles, function_call,
/// function_call_output, reasoning), function tools and the functions inside namespace tools
/// (other tool types such as web_search only count as prompt), tool_choice, reasoning and text.format.
/// Reasoning items' encrypted_content is collected for verification.
/// </summary>
internal static class SimulatorResponsesRequest
{
    public static bool TryParse(
        JsonElement root,
        [NotNullWhen(true)] out SimulatorChatRequest? request,
        [NotNullWhen(false)] out SimulatorError? error)
    {
        request = null;
        if (!SimulatorJsonRead.TryRequireModel(root, out var modelText, out error))
        {
            return false;
        }

        if (!SimulatorJsonRead.TryBool(root, "stream", out var stream, out error)
            || !SimulatorJsonRead.TryPositiveInt(root, "max_output_tokens", "max_output_tokens", out var maxTokens, out error))
        {
            return false;
        }

        var tally = new SimulatorMessageTally();
        var echoes = new List<SimulatorEcho>();
        if (SimulatorJsonRead.String(root, "instructions") is { } instructions)
        {
            tally.Add("system", instructions.Length, null, instructions);
        }

        if (!TryReadInput(root, tally, echoes, out error)
            || !SimulatorToolRead.TryReadArray(root, ReadTool, out var tools, out var toolsBytes, out error)
            || !SimulatorToolRead.TryReadChoice(root, tools, ReadToolChoice, out var choice, out var choiceName, out error)
            || !TryReadFormat(root, out var jsonMode, out var schema, out error))
        {
            return false;
        }

        request = SimulatorChatRequest.FromParts(
            SimulatorDialect.Responses,
            modelText,
            stream,
            includeUsage: true,
            maxTokens,
            tally,
            new SimulatorToolSetup(tools, toolsBytes, choice, choiceName),
            AsksForReasoning(root),
            (jsonMode, schema),
            echoes,
            SimulatorJsonRead.Sampling(root, readsSeed: false));
        return true;
    }

    /// <summary>reasoning with an effort other than "none", or with a summary setting (Codex sends only summary).</summary>
    private static bool AsksForReasoning(JsonElement root)
    {
        if (!SimulatorJsonRead.TryGetObject(root, "reasoning", out var reasoning))
        {
            return false;
        }

        var effort = SimulatorJsonRead.String(reasoning, "effort");
        return effort is not null ? effort != "none" : SimulatorJsonRead.String(reasoning, "summary") is not null;
    }

    private static bool TryReadInput(JsonElement root, SimulatorMessageTally tally, List<SimulatorEcho> echoes, [NotNullWhen(false)] out SimulatorError? error)
    {
        error = null;
        if (!root.TryGetProperty("input", out var input) || input.ValueKind == JsonValueKind.Null)
        {
            error = SimulatorError.MissingParameter("input");
            return false;
        }

        if (input.ValueKind == JsonValueKind.String)
        {
            var text = input.GetString()!;
            tally.Add("user", text.Length, text);
            return true;
        }

        if (input.ValueKind != JsonValueKind.Array)
        {
            error = SimulatorError.InvalidType("input", "a string or an array");
            return false;
        }

        var index = 0;
        foreach (var item in input.EnumerateArray())
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"input[{index}]");
            if (item.ValueKind != JsonValueKind.Object)
            {
                error = SimulatorError.InvalidType(path, "an object");
                return false;
            }

            var type = SimulatorJsonRead.String(item, "type") ?? (item.TryGetProperty("role", out _) ? "message" : null);
            switch (type)
            {
                case "message":
                    var role = SimulatorJsonRead.String(item, "role");
                    if (role is not ("user" or "assistant" or "system" or "developer"))
                    {
                        error = SimulatorError.InvalidValue(path + ".role", $"Invalid value for '{path}.role': expected 'user', 'assistant', 'system' or 'developer'.");
                        return false;
                    }

                    var text = Text(item.TryGetProperty("content", out var content) ? content : default);
                    tally.Add(role, text.Length, role == "user" ? text : null, text);
                    break;
                case "function_call":
                    tally.Add("assistant", (SimulatorJsonRead.String(item, "name")?.Length ?? 0) + (SimulatorJsonRead.String(item, "arguments")?.Length ?? 0), null);
                    break;
                case "function_call_output":
                    tally.Add(SimulatorMessageTally.ToolRole, Text(item.TryGetProperty("output", out var output) ? output : default).Length, null);
                    break;
                case "reasoning":
                    var summary = item.TryGetProperty("summary", out var s) ? Text(s) : "";
                    tally.Add("assistant", summary.Length, null);
                    if (SimulatorJsonRead.String(item, "encrypted_content") is { } encrypted)
                    {
                        echoes.Add(new SimulatorEcho(SimulatorDialect.Responses, encrypted, null));
                    }

                    break;
                case null:
                    error = SimulatorError.MissingParameter(path + ".type");
                    return false;
                default:
                    // Other items (web_search_call, custom_tool_call, …) are history the simulator only sizes.
                    tally.Add("assistant", SimulatorJsonRead.CompactLength(item), null);
                    break;
            }

            index++;
        }

        if (index == 0)
        {
            error = SimulatorError.InvalidValue("input", "Invalid 'input': empty array. Expected an array with minimum length 1.");
            return false;
        }

        return true;
    }

    /// <summary>A string, or the text of content parts (input_text, output_text, summary_text, text) concatenated.</summary>
    private static string Text(JsonElement content) =>
        SimulatorJsonRead.Text(content, static part => SimulatorJsonRead.String(part, "type") is "input_text" or "output_text" or "summary_text" or "text");

    /// <summary>Function tools and the functions inside namespace tools are callable; other types only count as prompt.</summary>
    private static bool ReadTool(JsonElement tool, int index, List<SimulatorTool> list, [NotNullWhen(false)] out SimulatorError? error)
    {
        error = null;
        switch (SimulatorJsonRead.String(tool, "type"))
        {
            case "function":
                return TryAddFunction(list, tool, string.Create(CultureInfo.InvariantCulture, $"tools[{index}]"), out error);
            case "namespace" when tool.TryGetProperty("tools", out var inner) && inner.ValueKind == JsonValueKind.Array:
                var innerIndex = 0;
                foreach (var function in inner.EnumerateArray())
                {
                    if (SimulatorJsonRead.String(function, "type") == "function"
                        && !TryAddFunction(list, function, string.Create(CultureInfo.InvariantCulture, $"tools[{index}].tools[{innerIndex}]"), out error))
                    {
                        return false;
                    }

                    innerIndex++;
                }

                return true;
            default:
                return true;
        }
    }

    private static bool TryAddFunction(List<SimulatorTool> list, JsonElement tool, string path, [NotNullWhen(false)] out SimulatorError? error)
    {
        if (SimulatorJsonRead.String(tool, "name") is not { Length: > 0 } name)
        {
            error = SimulatorError.MissingParameter(path + ".name");
            return false;
        }

        SimulatorJsonRead.AddTool(list, name, tool.TryGetProperty("parameters", out var parameters) ? parameters : null);
        error = null;
        return true;
    }

    private static bool ReadToolChoice(
        JsonElement element,
        IReadOnlyList<SimulatorTool> tools,
        out SimulatorToolChoice choice,
        out string? name,
        [NotNullWhen(false)] out SimulatorError? error)
    {
        if (element.ValueKind == JsonValueKind.String && SimulatorToolRead.PlainMode(element.GetString(), "required") is { } mode)
        {
            return SimulatorToolRead.Choose(mode, out choice, out name, out error);
        }

        if (SimulatorJsonRead.String(element, "type") == "function" && SimulatorJsonRead.String(element, "name") is { } chosen)
        {
            return SimulatorToolRead.TryChooseDeclared(
                tools, chosen, "tool_choice", $"Invalid 'tool_choice': function '{chosen}' is not among the declared tools.", out choice, out name, out error);
        }

        return SimulatorToolRead.Refuse(
            "tool_choice", "Invalid 'tool_choice': expected 'none', 'auto', 'required' or {\"type\":\"function\",\"name\":...}.", out choice, out name, out error);
    }

    /// <summary>text.format: json_schema (schema at text.format.schema) or json_object.</summary>
    private static bool TryReadFormat(JsonElement root, out SimulatorJsonMode mode, out JsonElement? schema, [NotNullWhen(false)] out SimulatorError? error)
    {
        mode = SimulatorJsonMode.None;
        schema = null;
        error = null;
        if (!SimulatorJsonRead.TryGetObject(root, "text", out var text)
            || !SimulatorJsonRead.TryGetObject(text, "format", out var format))
        {
            return true;
        }

        switch (SimulatorJsonRead.String(format, "type"))
        {
            case "json_object":
                mode = SimulatorJsonMode.Object;
                break;
            case "json_schema":
                if (!SimulatorJsonRead.TryGetObject(format, "schema", out var value))
                {
                    error = SimulatorError.MissingParameter("text.format.schema");
                    return false;
                }

                mode = SimulatorJsonMode.Schema;
                schema = value.Clone();
                break;
        }

        return true;
    }
}
