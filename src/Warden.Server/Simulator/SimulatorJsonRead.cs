using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>Small typed reads shared by the request parsers of every dialect.</summary>
internal static class SimulatorJsonRead
{
    /// <summary>Fails with the usual error unless the body is a JSON object.</summary>
    public static bool TryRequireObject(JsonElement root, [NotNullWhen(false)] out SimulatorError? error)
    {
        error = root.ValueKind == JsonValueKind.Object ? null : SimulatorError.BadRequest("The request body must be a JSON object.");
        return error is null;
    }

    /// <summary>The property <paramref name="name"/> when it is present and not JSON null.</summary>
    public static bool TryGetNonNull(JsonElement element, string name, out JsonElement value) =>
        element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    public static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public static bool TryBool(JsonElement root, string name, out bool value, [NotNullWhen(false)] out SimulatorError? error)
    {
        value = false;
        error = null;
        if (!TryGetNonNull(root, name, out var element))
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
        if (!TryGetNonNull(root, name, out var element))
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

    /// <summary>
    /// temperature (and seed where the dialect has one) from <paramref name="holder"/>: the body, or Gemini's
    /// generationConfig. Values that are not numbers are left to the dialect's own validation and read as absent.
    /// </summary>
    public static SimulatorSampling Sampling(JsonElement holder, bool readsSeed)
    {
        if (holder.ValueKind != JsonValueKind.Object)
        {
            return default;
        }

        double? temperature = holder.TryGetProperty("temperature", out var t) && t.ValueKind == JsonValueKind.Number && t.TryGetDouble(out var value) ? value : null;
        long? seed = readsSeed && holder.TryGetProperty("seed", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var number) ? number : null;
        return new SimulatorSampling(temperature, seed);
    }

    /// <summary>The property <paramref name="name"/> when it is a JSON object.</summary>
    public static bool TryGetObject(JsonElement element, string name, out JsonElement value) =>
        element.TryGetProperty(name, out value) && value.ValueKind == JsonValueKind.Object;

    /// <summary>Fails unless the body is a JSON object with a string model (the model text, "~fault" suffixes included).</summary>
    public static bool TryRequireModel(JsonElement root, [NotNullWhen(true)] out string? modelText, [NotNullWhen(false)] out SimulatorError? error)
    {
        modelText = null;
        if (!TryRequireObject(root, out error))
        {
            return false;
        }

        modelText = String(root, "model");
        error = modelText is null ? SimulatorError.MissingParameter("model") : null;
        return error is null;
    }

    /// <summary>
    /// A string, or the <c>text</c> of the parts of an array that <paramref name="isTextPart"/> accepts, concatenated
    /// without a separator (parts without a string <c>text</c> are skipped before the test); anything else is empty.
    /// </summary>
    public static string Text(JsonElement content, Func<JsonElement, bool> isTextPart)
    {
        ArgumentNullException.ThrowIfNull(isTextPart);
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }

        var builder = new StringBuilder();
        if (content.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in content.EnumerateArray())
            {
                if (String(part, "text") is { } text && isTextPart(part))
                {
                    builder.Append(text);
                }
            }
        }

        return builder.ToString();
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
