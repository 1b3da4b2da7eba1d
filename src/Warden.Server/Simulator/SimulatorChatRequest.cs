using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>
/// The parts of a request the simulator acts on, in every dialect (TryParse reads Chat Completions;
/// the Anthropic, Responses and Gemini parsers fill the same fields). Only sizes are kept for the
/// prompt as a whole; the text of the last user message is kept because it seeds the answer.
/// </summary>
internal sealed class SimulatorChatRequest
{
    internal SimulatorChatRequest()
    {
    }

    /// <summary>The wire protocol the request came in.</summary>
    public SimulatorDialect Dialect { get; internal init; } = SimulatorDialect.OpenAIChat;

    /// <summary>Whether the answer carries reasoning (sim-reasoner, or thinking/reasoning asked for where the dialect has it).</summary>
    public bool Reasoning { get; internal init; }

    /// <summary>Whether the reasoning text is shown to the client (Gemini only shows thoughts with includeThoughts).</summary>
    public bool ShowReasoning { get; internal init; } = true;

    public SimulatorJsonMode JsonMode { get; internal init; }

    /// <summary>A detached clone of the output schema when <see cref="JsonMode"/> is Schema.</summary>
    public JsonElement? JsonSchema { get; internal init; }

    /// <summary>Opaque reasoning strings echoed in the history, to verify before answering.</summary>
    public IReadOnlyList<SimulatorEcho> Echoes { get; internal init; } = [];

    /// <summary>The model name with any "~fault" suffix removed.</summary>
    public string Model { get; internal init; } = "";

    public IReadOnlyList<string> ModelSuffixFaults { get; internal init; } = [];

    public bool Stream { get; internal init; }

    public bool IncludeUsage { get; internal init; }

    /// <summary>max_completion_tokens, else max_tokens, else null.</summary>
    public int? MaxTokens { get; internal init; }

    public int MessageCount { get; internal init; }

    /// <summary>Characters of text across all messages (content strings, text parts, tool call names and arguments).</summary>
    public int PromptChars { get; internal init; }

    public int LastMessageChars { get; internal init; }

    public string LastRole { get; internal init; } = "";

    /// <summary>Text of the last message with role "user"; empty when there is none.</summary>
    public string LastUserText { get; internal init; } = "";

    public IReadOnlyList<SimulatorTool> Tools { get; internal init; } = [];

    /// <summary>UTF-8 length of the compact JSON of the tools array (all tool types), for prompt token counting.</summary>
    public int ToolsJsonBytes { get; internal init; }

    public SimulatorToolChoice ToolChoice { get; internal init; }

    public string? ToolChoiceName { get; internal init; }

    /// <summary>Reads the model name early so the journal can record it even when the rest is invalid.</summary>
    public static string? PeekModel(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object
        && root.TryGetProperty("model", out var model)
        && model.ValueKind == JsonValueKind.String
            ? model.GetString()!.Split('~')[0]
            : null;

    public static bool TryParse(
        JsonElement root,
        [NotNullWhen(true)] out SimulatorChatRequest? request,
        [NotNullWhen(false)] out SimulatorError? error)
    {
        request = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = SimulatorError.BadRequest("The request body must be a JSON object.");
            return false;
        }

        if (!root.TryGetProperty("model", out var modelElement) || modelElement.ValueKind == JsonValueKind.Null)
        {
            error = SimulatorError.MissingParameter("model");
            return false;
        }

        if (modelElement.ValueKind != JsonValueKind.String)
        {
            error = SimulatorError.InvalidType("model", "a string");
            return false;
        }

        var modelParts = modelElement.GetString()!.Split('~');

        if (!TryReadMessages(root, out var messages, out error)
            || !TryReadBool(root, "stream", out var stream, out error)
            || !TryReadIncludeUsage(root, out var includeUsage, out error)
            || !TryReadPositiveInt(root, "max_completion_tokens", out var maxCompletionTokens, out error)
            || !TryReadPositiveInt(root, "max_tokens", out var maxTokens, out error)
            || !TryReadTools(root, out var tools, out var toolsJsonBytes, out error)
            || !TryReadToolChoice(root, tools, out var toolChoice, out var toolChoiceName, out error)
            || !TryReadResponseFormat(root, out var jsonMode, out var jsonSchema, out error))
        {
            return false;
        }

        request = new SimulatorChatRequest
        {
            Model = modelParts[0],
            ModelSuffixFaults = modelParts[1..],
            Stream = stream,
            IncludeUsage = includeUsage,
            MaxTokens = maxCompletionTokens ?? maxTokens,
            MessageCount = messages.Count,
            PromptChars = messages.PromptChars,
            LastMessageChars = messages.LastChars,
            LastRole = messages.LastRole,
            LastUserText = messages.LastUserText,
            Tools = tools,
            ToolsJsonBytes = toolsJsonBytes,
            ToolChoice = toolChoice,
            ToolChoiceName = toolChoiceName,
            Reasoning = SimulatorModels.Reasons(modelParts[0]),
            JsonMode = jsonMode,
            JsonSchema = jsonSchema,
        };
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
        if (!root.TryGetProperty("response_format", out var format) || format.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (format.ValueKind != JsonValueKind.Object)
        {
            error = SimulatorError.InvalidType("response_format", "an object");
            return false;
        }

        var type = format.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (type == "json_object")
        {
            mode = SimulatorJsonMode.Object;
        }
        else if (type == "json_schema")
        {
            if (!format.TryGetProperty("json_schema", out var jsonSchema) || jsonSchema.ValueKind != JsonValueKind.Object
                || !jsonSchema.TryGetProperty("schema", out var value) || value.ValueKind != JsonValueKind.Object)
            {
                error = SimulatorError.MissingParameter("response_format.json_schema.schema");
                return false;
            }

            mode = SimulatorJsonMode.Schema;
            schema = value.Clone();
        }

        return true;
    }

    private static bool TryReadMessages(JsonElement root, out MessageSummary summary, [NotNullWhen(false)] out SimulatorError? error)
    {
        summary = default;
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind == JsonValueKind.Null)
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
        var promptChars = 0;
        var lastChars = 0;
        var lastRole = "";
        string? lastUserText = null;
        foreach (var message in messages.EnumerateArray())
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"messages[{index}]");
            if (message.ValueKind != JsonValueKind.Object)
            {
                error = SimulatorError.InvalidType(path, "an object");
                return false;
            }

            if (!message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
            {
                error = SimulatorError.MissingParameter(path + ".role");
                return false;
            }

            var text = ReadText(message);
            var chars = text.Length + ToolCallChars(message);
            promptChars += chars;
            lastChars = chars;
            lastRole = role.GetString()!;
            if (string.Equals(lastRole, "user", StringComparison.Ordinal))
            {
                lastUserText = text;
            }

            index++;
        }

        summary = new MessageSummary(index, promptChars, lastChars, lastRole, lastUserText ?? "");
        error = null;
        return true;
    }

    /// <summary>String content, or the text parts of array content concatenated without a separator.</summary>
    private static string ReadText(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var content))
        {
            return "";
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return "";
        }

        var builder = new StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object
                && part.TryGetProperty("text", out var text)
                && text.ValueKind == JsonValueKind.String
                && (!part.TryGetProperty("type", out var type) || type.ValueEquals("text")))
            {
                builder.Append(text.GetString());
            }
        }

        return builder.ToString();
    }

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
                chars += StringLength(function, "name") + StringLength(function, "arguments");
            }
        }

        return chars;
    }

    private static int StringLength(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()!.Length : 0;

    private static bool TryReadBool(JsonElement root, string name, out bool value, [NotNullWhen(false)] out SimulatorError? error)
    {
        value = false;
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            value = element.GetBoolean();
            return true;
        }

        error = SimulatorError.InvalidType(name, "a boolean");
        return false;
    }

    private static bool TryReadIncludeUsage(JsonElement root, out bool includeUsage, [NotNullWhen(false)] out SimulatorError? error)
    {
        includeUsage = false;
        error = null;
        if (!root.TryGetProperty("stream_options", out var options) || options.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (options.ValueKind != JsonValueKind.Object)
        {
            error = SimulatorError.InvalidType("stream_options", "an object");
            return false;
        }

        if (!TryReadBool(options, "include_usage", out includeUsage, out _))
        {
            error = SimulatorError.InvalidType("stream_options.include_usage", "a boolean");
            return false;
        }

        return true;
    }

    private static bool TryReadPositiveInt(JsonElement root, string name, out int? value, [NotNullWhen(false)] out SimulatorError? error)
    {
        value = null;
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var number))
        {
            error = SimulatorError.InvalidType(name, "an integer");
            return false;
        }

        if (number < 1)
        {
            error = SimulatorError.InvalidValue(name, $"Invalid '{name}': integer below minimum value. Expected a value >= 1.");
            return false;
        }

        value = number;
        return true;
    }

    private static bool TryReadTools(
        JsonElement root,
        out IReadOnlyList<SimulatorTool> tools,
        out int jsonBytes,
        [NotNullWhen(false)] out SimulatorError? error)
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
            if (tool.ValueKind == JsonValueKind.Object
                && tool.TryGetProperty("type", out var type)
                && type.ValueEquals("function"))
            {
                var path = string.Create(CultureInfo.InvariantCulture, $"tools[{index}].function");
                if (!tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                {
                    error = SimulatorError.MissingParameter(path);
                    return false;
                }

                if (!function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString()!.Length == 0)
                {
                    error = SimulatorError.MissingParameter(path + ".name");
                    return false;
                }

                var toolName = name.GetString()!;
                JsonElement? parameters = function.TryGetProperty("parameters", out var schema) ? schema.Clone() : null;
                if (!list.Exists(existing => string.Equals(existing.Name, toolName, StringComparison.Ordinal)))
                {
                    list.Add(new SimulatorTool(toolName, parameters));
                }
            }

            index++;
        }

        // Measured on a compact re-serialisation so the count does not depend on the client's whitespace.
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, ChatCompletionJson.WriterOptions))
        {
            array.WriteTo(writer);
        }

        tools = list;
        jsonBytes = buffer.WrittenCount;
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

        if (element.ValueKind == JsonValueKind.String)
        {
            switch (element.GetString())
            {
                case "auto": return true;
                case "none": choice = SimulatorToolChoice.None; return true;
                case "required": choice = SimulatorToolChoice.Required; return true;
                default:
                    error = SimulatorError.InvalidValue("tool_choice", "Invalid 'tool_choice': expected 'none', 'auto', 'required' or a function object.");
                    return false;
            }
        }

        if (element.ValueKind == JsonValueKind.Object
            && element.TryGetProperty("function", out var function)
            && function.ValueKind == JsonValueKind.Object
            && function.TryGetProperty("name", out var chosen)
            && chosen.ValueKind == JsonValueKind.String)
        {
            var chosenName = chosen.GetString()!;
            if (!tools.Any(tool => string.Equals(tool.Name, chosenName, StringComparison.Ordinal)))
            {
                error = SimulatorError.InvalidValue("tool_choice", $"Invalid 'tool_choice': function '{chosenName}' is not among the declared tools.");
                return false;
            }

            choice = SimulatorToolChoice.Named;
            name = chosenName;
            return true;
        }

        error = SimulatorError.InvalidValue("tool_choice", "Invalid 'tool_choice': expected 'none', 'auto', 'required' or {\"type\":\"function\",\"function\":{\"name\":...}}.");
        return false;
    }

    private readonly record struct MessageSummary(int Count, int PromptChars, int LastChars, string LastRole, string LastUserText);
}
