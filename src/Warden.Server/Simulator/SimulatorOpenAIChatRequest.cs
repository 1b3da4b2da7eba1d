using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>
/// Reads an OpenAI Chat Completions request into the simulator's request: messages (text content and
/// replayed tool calls), stream and stream_options.include_usage, max_completion_tokens / max_tokens,
/// function tools, tool_choice and response_format.
/// </summary>
internal static class SimulatorOpenAIChatRequest
{
    public static bool TryParse(
        JsonElement root,
        [NotNullWhen(true)] out SimulatorChatRequest? request,
        [NotNullWhen(false)] out SimulatorError? error)
    {
        request = null;
        if (!SimulatorJsonRead.TryRequireObject(root, out error))
        {
            return false;
        }

        if (!SimulatorJsonRead.TryGetNonNull(root, "model", out var modelElement))
        {
            error = SimulatorError.MissingParameter("model");
            return false;
        }

        if (modelElement.ValueKind != JsonValueKind.String)
        {
            error = SimulatorError.InvalidType("model", "a string");
            return false;
        }

        var tally = new SimulatorMessageTally();
        if (!TryReadMessages(root, tally, out error)
            || !SimulatorJsonRead.TryBool(root, "stream", out var stream, out error)
            || !TryReadIncludeUsage(root, out var includeUsage, out error)
            || !SimulatorJsonRead.TryPositiveInt(root, "max_completion_tokens", "max_completion_tokens", out var maxCompletionTokens, out error)
            || !SimulatorJsonRead.TryPositiveInt(root, "max_tokens", "max_tokens", out var maxTokens, out error)
            || !SimulatorToolRead.TryReadArray(root, ReadTool, out var tools, out var toolsJsonBytes, out error)
            || !SimulatorToolRead.TryReadChoice(root, tools, ReadToolChoice, out var toolChoice, out var toolChoiceName, out error)
            || !TryReadResponseFormat(root, out var jsonMode, out var jsonSchema, out error))
        {
            return false;
        }

        request = SimulatorChatRequest.FromParts(
            SimulatorDialect.OpenAIChat,
            modelElement.GetString()!,
            stream,
            includeUsage,
            maxCompletionTokens ?? maxTokens,
            tally,
            new SimulatorToolSetup(tools, toolsJsonBytes, toolChoice, toolChoiceName),
            asksForReasoning: false,
            (jsonMode, jsonSchema),
            echoes: [],
            SimulatorJsonRead.Sampling(root, readsSeed: true));
        return true;
    }

    /// <summary>response_format: json_schema (with json_schema.schema) or json_object; anything else is text.</summary>
    private static bool TryReadResponseFormat(
        JsonElement root,
        out SimulatorJsonMode mode,
        out JsonElement? schema,
        [NotNullWhen(false)] out SimulatorError? error)
    {
        mode = SimulatorJsonMode.None;
        schema = null;
        error = null;
        if (!SimulatorJsonRead.TryGetNonNull(root, "response_format", out var format))
        {
            return true;
        }

        if (format.ValueKind != JsonValueKind.Object)
        {
            error = SimulatorError.InvalidType("response_format", "an object");
            return false;
        }

        var type = SimulatorJsonRead.String(format, "type");
        if (type == "json_object")
        {
            mode = SimulatorJsonMode.Object;
        }
        else if (type == "json_schema")
        {
            if (!SimulatorJsonRead.TryGetObject(format, "json_schema", out var jsonSchema)
                || !SimulatorJsonRead.TryGetObject(jsonSchema, "schema", out var value))
            {
                error = SimulatorError.MissingParameter("response_format.json_schema.schema");
                return false;
            }

            mode = SimulatorJsonMode.Schema;
            schema = value.Clone();
        }

        return true;
    }

    private static bool TryReadMessages(JsonElement root, SimulatorMessageTally tally, [NotNullWhen(false)] out SimulatorError? error)
    {
        if (!SimulatorJsonRead.TryGetNonNull(root, "messages", out var messages))
        {
            error = SimulatorError.MissingParameter("messages");
            return false;
        }

        if (messages.ValueKind != JsonValueKind.Array)
        {
            error = SimulatorError.InvalidType("messages", "an array");
            return false;
        }

        if (messages.GetArrayLength() == 0)
        {
            error = SimulatorError.InvalidValue("messages", "Invalid 'messages': empty array. Expected an array with minimum length 1.");
            return false;
        }

        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"messages[{index}]");
            if (message.ValueKind != JsonValueKind.Object)
            {
                error = SimulatorError.InvalidType(path, "an object");
                return false;
            }

            if (SimulatorJsonRead.String(message, "role") is not { } role)
            {
                error = SimulatorError.MissingParameter(path + ".role");
                return false;
            }

            var text = message.TryGetProperty("content", out var content) ? SimulatorJsonRead.Text(content, IsTextPart) : "";
            tally.Add(role, text.Length + ToolCallChars(message), string.Equals(role, "user", StringComparison.Ordinal) ? text : null, text);
            index++;
        }

        error = null;
        return true;
    }

    /// <summary>A content part with no type, or of type "text".</summary>
    private static bool IsTextPart(JsonElement part) => !part.TryGetProperty("type", out var type) || type.ValueEquals("text");

    // Assistant tool calls replayed in the history are prompt text too, as far as a real tokenizer is concerned.
    private static int ToolCallChars(JsonElement message)
    {
        if (!message.TryGetProperty("tool_calls", out var calls) || calls.ValueKind != JsonValueKind.Array)
        {
            return 0;
        }

        var chars = 0;
        foreach (var call in calls.EnumerateArray())
        {
            if (call.ValueKind == JsonValueKind.Object
                && call.TryGetProperty("function", out var function)
                && function.ValueKind == JsonValueKind.Object)
            {
                chars += (SimulatorJsonRead.String(function, "name")?.Length ?? 0) + (SimulatorJsonRead.String(function, "arguments")?.Length ?? 0);
            }
        }

        return chars;
    }

    private static bool TryReadIncludeUsage(JsonElement root, out bool includeUsage, [NotNullWhen(false)] out SimulatorError? error)
    {
        includeUsage = false;
        error = null;
        if (!SimulatorJsonRead.TryGetNonNull(root, "stream_options", out var options))
        {
            return true;
        }

        if (options.ValueKind != JsonValueKind.Object)
        {
            error = SimulatorError.InvalidType("stream_options", "an object");
            return false;
        }

        if (!SimulatorJsonRead.TryBool(options, "include_usage", out includeUsage, out _))
        {
            error = SimulatorError.InvalidType("stream_options.include_usage", "a boolean");
            return false;
        }

        return true;
    }

    /// <summary>A function tool needs function.name; other tool types only count as prompt.</summary>
    private static bool ReadTool(JsonElement tool, int index, List<SimulatorTool> list, [NotNullWhen(false)] out SimulatorError? error)
    {
        error = null;
        if (tool.ValueKind != JsonValueKind.Object
            || !tool.TryGetProperty("type", out var type)
            || !type.ValueEquals("function"))
        {
            return true;
        }

        var path = string.Create(CultureInfo.InvariantCulture, $"tools[{index}].function");
        if (!SimulatorJsonRead.TryGetObject(tool, "function", out var function))
        {
            error = SimulatorError.MissingParameter(path);
            return false;
        }

        if (SimulatorJsonRead.String(function, "name") is not { Length: > 0 } name)
        {
            error = SimulatorError.MissingParameter(path + ".name");
            return false;
        }

        SimulatorJsonRead.AddTool(list, name, function.TryGetProperty("parameters", out var schema) ? schema : null);
        return true;
    }

    private static bool ReadToolChoice(
        JsonElement element,
        IReadOnlyList<SimulatorTool> tools,
        out SimulatorToolChoice choice,
        out string? name,
        [NotNullWhen(false)] out SimulatorError? error)
    {
        if (element.ValueKind == JsonValueKind.String)
        {
            return SimulatorToolRead.PlainMode(element.GetString(), "required") is { } mode
                ? SimulatorToolRead.Choose(mode, out choice, out name, out error)
                : SimulatorToolRead.Refuse(
                    "tool_choice", "Invalid 'tool_choice': expected 'none', 'auto', 'required' or a function object.", out choice, out name, out error);
        }

        if (element.ValueKind == JsonValueKind.Object
            && element.TryGetProperty("function", out var function)
            && SimulatorJsonRead.String(function, "name") is { } chosen)
        {
            return SimulatorToolRead.TryChooseDeclared(
                tools, chosen, "tool_choice", $"Invalid 'tool_choice': function '{chosen}' is not among the declared tools.", out choice, out name, out error);
        }

        return SimulatorToolRead.Refuse(
            "tool_choice", "Invalid 'tool_choice': expected 'none', 'auto', 'required' or {\"type\":\"function\",\"function\":{\"name\":...}}.", out choice, out name, out error);
    }
}
