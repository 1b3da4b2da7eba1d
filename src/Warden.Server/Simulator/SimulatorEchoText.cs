using System.Text;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>
/// The echo fault ("~echo", "echo" in the header or a /_fault/ prefix): the model's answer repeats every text the
/// request carried, so a test sees exactly what an upstream was sent. The format is one part per line,
/// <c>label: text</c>, in request order, joined by '\n' (a text with newlines spans lines):
/// <c>system</c> (system prompt, developer message, Responses instructions, Gemini systemInstruction),
/// <c>user</c>, <c>assistant</c>, <c>tool_call NAME</c> (the arguments as the JSON text received),
/// <c>tool_result</c> (its text, or compact JSON for structured results). Reasoning, images and files are not
/// echoed. When the answer would be tool calls (a declared tool named in the last user message, or tool_choice),
/// each call's string arguments hold the echo instead.
/// </summary>
internal static class SimulatorEchoText
{
    public const string FaultName = "echo";

    /// <summary>Whether any fault source of the request names echo (cheap; decides whether to collect).</summary>
    public static bool IsAsked(SimulatorChatRequest request, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        return request.ModelSuffixFaults.Any(Names)
            || context.Request.Headers[SimulatorFaultPlan.HeaderName].ToString().Split(',').Any(Names)
            || (SimulatorPathFaults.Get(context)?.Faults.Any(Names) ?? false);

        static bool Names(string fault) => string.Equals(fault.Trim(), FaultName, StringComparison.OrdinalIgnoreCase);
    }

    public static string Collect(SimulatorDialect dialect, JsonElement root)
    {
        var parts = new List<string>();
        if (root.ValueKind == JsonValueKind.Object)
        {
            switch (dialect)
            {
                case SimulatorDialect.Anthropic:
                    Anthropic(root, parts);
                    break;
                case SimulatorDialect.Responses:
                    Responses(root, parts);
                    break;
                case SimulatorDialect.Gemini:
                    Gemini(root, parts);
                    break;
                default:
                    Chat(root, parts);
                    break;
            }
        }

        return string.Join('\n', parts);
    }

    private static void Add(List<string> parts, string label, string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            parts.Add(label + ": " + text);
        }
    }

    private static readonly JsonElement EmptyArray = JsonElement.Parse("[]");

    private static JsonElement.ArrayEnumerator Array(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray()
            : EmptyArray.EnumerateArray();

    // Text of a content value: a string, or the "text" of each part of an array, joined by newlines.
    private static string? TextOf(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString();
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var builder = new StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            if (SimulatorJsonRead.String(part, "text") is { } text)
            {
                builder.Append(builder.Length == 0 ? "" : "\n").Append(text);
            }
        }

        return builder.ToString();
    }

    private static string LabelOf(string? role) => role switch
    {
        "system" or "developer" => "system",
        "assistant" or "model" => "assistant",
        "tool" or "function" => "tool_result",
        _ => "user",
    };

    private static void Chat(JsonElement root, List<string> parts)
    {
        foreach (var message in Array(root, "messages"))
        {
            string label = LabelOf(SimulatorJsonRead.String(message, "role"));
            if (message.TryGetProperty("content", out var content))
            {
                Add(parts, label, TextOf(content));
            }

            foreach (var call in Array(message, "tool_calls"))
            {
                if (SimulatorJsonRead.TryGetObject(call, "function", out var function))
                {
                    Add(parts, "tool_call " + SimulatorJsonRead.String(function, "name"), SimulatorJsonRead.String(function, "arguments"));
                }
            }
        }
    }

    private static void Responses(JsonElement root, List<string> parts)
    {
        Add(parts, "system", SimulatorJsonRead.String(root, "instructions"));
        if (root.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.String)
        {
            Add(parts, "user", input.GetString());
            return;
        }

        foreach (var item in Array(root, "input"))
        {
            switch (SimulatorJsonRead.String(item, "type") ?? "message")
            {
                case "message":
                    Add(parts, LabelOf(SimulatorJsonRead.String(item, "role")), item.TryGetProperty("content", out var content) ? TextOf(content) : null);
                    break;
                case "function_call":
                    Add(parts, "tool_call " + SimulatorJsonRead.String(item, "name"), SimulatorJsonRead.String(item, "arguments"));
                    break;
                case "function_call_output":
                    Add(parts, "tool_result", item.TryGetProperty("output", out var output) ? TextOf(output) : null);
                    break;
            }
        }
    }

    private static void Anthropic(JsonElement root, List<string> parts)
    {
        if (root.TryGetProperty("system", out var system))
        {
            Add(parts, "system", TextOf(system));
        }

        foreach (var message in Array(root, "messages"))
        {
            string label = LabelOf(SimulatorJsonRead.String(message, "role"));
            if (!message.TryGetProperty("content", out var content))
            {
                continue;
            }

            if (content.ValueKind == JsonValueKind.String)
            {
                Add(parts, label, content.GetString());
                continue;
            }

            foreach (var block in Array(message, "content"))
            {
                switch (SimulatorJsonRead.String(block, "type"))
                {
                    case "text":
                        Add(parts, label, SimulatorJsonRead.String(block, "text"));
                        break;
                    case "tool_use":
                        Add(parts, "tool_call " + SimulatorJsonRead.String(block, "name"), block.TryGetProperty("input", out var input) ? SimulatorJsonRead.CompactText(input) : null);
                        break;
                    case "tool_result":
                        Add(parts, "tool_result", block.TryGetProperty("content", out var result) ? TextOf(result) : null);
                        break;
                }
            }
        }
    }

    private static void Gemini(JsonElement root, List<string> parts)
    {
        if (SimulatorJsonRead.TryGetObject(root, "systemInstruction", out var system) || SimulatorJsonRead.TryGetObject(root, "system_instruction", out system))
        {
            Add(parts, "system", TextOf(system.TryGetProperty("parts", out var systemParts) ? systemParts : default));
        }

        foreach (var content in Array(root, "contents"))
        {
            string label = LabelOf(SimulatorJsonRead.String(content, "role"));
            foreach (var part in Array(content, "parts"))
            {
                if (part.TryGetProperty("thought", out var thought) && thought.ValueKind == JsonValueKind.True)
                {
                    continue;
                }

                if (SimulatorJsonRead.String(part, "text") is { } text)
                {
                    Add(parts, label, text);
                }
                else if (SimulatorJsonRead.TryGetObject(part, "functionCall", out var call))
                {
                    Add(parts, "tool_call " + SimulatorJsonRead.String(call, "name"), call.TryGetProperty("args", out var args) ? SimulatorJsonRead.CompactText(args) : "{}");
                }
                else if (SimulatorJsonRead.TryGetObject(part, "functionResponse", out var response))
                {
                    Add(parts, "tool_result", response.TryGetProperty("response", out var value) ? SimulatorJsonRead.CompactText(value) : null);
                }
            }
        }
    }
}
