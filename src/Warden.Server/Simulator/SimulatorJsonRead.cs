using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>Small typed reads shared by the Anthropic, Responses and Gemini request parsers.</summary>
internal static class SimulatorJsonRead
{
    public static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public static bool TryBool(JsonElement root, string name, out bool value, [NotNullWhen(false)] out SimulatorError? error)
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

    public static bool TryPositiveInt(JsonElement root, string name, string path, out int? value, [NotNullWhen(false)] out SimulatorError? error)
    {
        value = null;
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var number))
        {
            error = SimulatorError.InvalidType(path, "an integer");
            return false;
        }

        if (number < 1)
        {
            error = SimulatorError.InvalidValue(path, $"Invalid '{path}': integer below minimum value. Expected a value >= 1.");
            return false;
        }

        value = number;
        return true;
    }

    /// <summary>UTF-8 length of the compact JSON of a value, so counts do not depend on the client's whitespace.</summary>
    public static int CompactLength(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Undefined)
        {
            return 0;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, ChatCompletionJson.WriterOptions))
        {
            element.WriteTo(writer);
        }

        return buffer.WrittenCount;
    }

    /// <summary>Compact JSON text of a value (tool call arguments echoed as objects).</summary>
    public static string CompactText(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, ChatCompletionJson.WriterOptions))
        {
            element.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Adds a tool unless one of that name is already declared (the first declaration wins).</summary>
    public static void AddTool(List<SimulatorTool> tools, string name, JsonElement? parameters)
    {
        if (name.Length > 0 && !tools.Exists(existing => string.Equals(existing.Name, name, StringComparison.Ordinal)))
        {
            tools.Add(new SimulatorTool(name, parameters?.Clone()));
        }
    }

    /// <summary>The model name and the "~fault" suffixes after it.</summary>
    public static (string Model, string[] Faults) SplitModel(string model)
    {
        var parts = model.Split('~');
        return (parts[0], parts[1..]);
    }
}
