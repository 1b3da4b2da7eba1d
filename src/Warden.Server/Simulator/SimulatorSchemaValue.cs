using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>
/// Generates a deterministic JSON value that validates against a JSON schema (the subset providers
/// accept for structured output, Gemini's upper-case type names included): objects carry every
/// property (required ones first), strings come from the seed, numbers respect minimum/maximum,
/// enums and consts take their first value, arrays get one item (or minItems items).
/// </summary>
internal static class SimulatorSchemaValue
{
    private const int MaxDepth = 32;

    public static string Generate(JsonElement schema, string seedText)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, ChatCompletionJson.WriterOptions))
        {
            Write(writer, schema, schema, seedText, 0);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The answer for json_object mode: a small object holding the usual answer text.</summary>
    public static string SmallObject(string seedText)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, ChatCompletionJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("answer", SimulatorText.Answer(seedText));
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the value a schema object pins (its const, else the first of its enum); false when it pins none.</summary>
    public static bool TryWritePinned(Utf8JsonWriter writer, JsonElement schema)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (schema.TryGetProperty("const", out var constant))
        {
            constant.WriteTo(writer);
            return true;
        }

        if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0)
        {
            values[0].WriteTo(writer);
            return true;
        }

        return false;
    }

    private static void Write(Utf8JsonWriter writer, JsonElement root, JsonElement schema, string seed, int depth)
    {
        if (schema.ValueKind != JsonValueKind.Object || depth > MaxDepth)
        {
            writer.WriteStringValue(SimulatorText.Word(seed));
            return;
        }

        if (schema.TryGetProperty("$ref", out var reference) && reference.ValueKind == JsonValueKind.String
            && TryResolve(root, reference.GetString()!, out var target))
        {
            Write(writer, root, target, seed, depth + 1);
            return;
        }

        if (TryWritePinned(writer, schema))
        {
            return;
        }

        foreach (var combinator in (string[])["anyOf", "oneOf", "allOf"])
        {
            if (schema.TryGetProperty(combinator, out var options) && options.ValueKind == JsonValueKind.Array && options.GetArrayLength() > 0)
            {
                Write(writer, root, FirstNonNull(options), seed, depth + 1);
                return;
            }
        }

        switch (TypeOf(schema))
        {
            case "object":
                WriteObject(writer, root, schema, seed, depth);
                break;
            case "array":
                WriteArray(writer, root, schema, seed, depth);
                break;
            case "integer":
                writer.WriteNumberValue((long)Number(schema, integer: true));
                break;
            case "number":
                writer.WriteNumberValue(Number(schema, integer: false));
                break;
            case "boolean":
                writer.WriteBooleanValue(true);
                break;
            case "null":
                writer.WriteNullValue();
                break;
            default:
                writer.WriteStringValue(StringValue(schema, seed));
                break;
        }
    }

    private static void WriteObject(Utf8JsonWriter writer, JsonElement root, JsonElement schema, string seed, int depth)
    {
        writer.WriteStartObject();
        var properties = SimulatorJsonRead.TryGetObject(schema, "properties", out var p) ? p : default;
        var names = new List<string>();
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray())
            {
                if (name.ValueKind == JsonValueKind.String && !names.Contains(name.GetString()!))
                {
                    names.Add(name.GetString()!);
                }
            }
        }

        if (properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                if (!names.Contains(property.Name))
                {
                    names.Add(property.Name);
                }
            }
        }

        foreach (var name in names)
        {
            writer.WritePropertyName(name);
            var propertySchema = properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var s) ? s : default;
            Write(writer, root, propertySchema, seed + "\n" + name, depth + 1);
        }

        writer.WriteEndObject();
    }

    private static void WriteArray(Utf8JsonWriter writer, JsonElement root, JsonElement schema, string seed, int depth)
    {
        var count = Math.Max(1, ReadInt(schema, "minItems") ?? 1);
        if (ReadInt(schema, "maxItems") is int max)
        {
            count = Math.Min(count, max);
        }

        var items = schema.TryGetProperty("items", out var i) ? i : default;
        var prefix = schema.TryGetProperty("prefixItems", out var pi) && pi.ValueKind == JsonValueKind.Array ? pi : default;
        writer.WriteStartArray();
        for (var index = 0; index < count; index++)
        {
            var itemSchema = prefix.ValueKind == JsonValueKind.Array && index < prefix.GetArrayLength() ? prefix[index] : items;
            Write(writer, root, itemSchema, seed + "\n" + index.ToString(CultureInfo.InvariantCulture), depth + 1);
        }

        writer.WriteEndArray();
    }

    private static string StringValue(JsonElement schema, string seed)
    {
        var format = schema.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        var value = format switch
        {
            "date-time" => "2025-01-01T00:00:00Z",
            "date" => "2025-01-01",
            "time" => "00:00:00Z",
            "email" => "sim@example.com",
            "uri" or "url" => "https://example.com/sim",
            "uuid" => "00000000-0000-4000-8000-000000000000",
            _ => SimulatorText.Word(seed),
        };
        if (ReadInt(schema, "minLength") is int minLength)
        {
            while (value.Length < minLength)
            {
                value += "-" + SimulatorText.Word(seed + value);
            }
        }

        if (ReadInt(schema, "maxLength") is int maxLength && value.Length > maxLength)
        {
            value = value[..maxLength];
        }

        return value;
    }

    private static double Number(JsonElement schema, bool integer)
    {
        const double Preferred = 42;
        var low = ReadDouble(schema, "minimum");
        var high = ReadDouble(schema, "maximum");
        if (ReadDouble(schema, "exclusiveMinimum") is double exclusiveLow)
        {
            low = integer ? Math.Floor(exclusiveLow) + 1 : exclusiveLow + 0.5;
        }

        if (ReadDouble(schema, "exclusiveMaximum") is double exclusiveHigh)
        {
            high = integer ? Math.Ceiling(exclusiveHigh) - 1 : exclusiveHigh - 0.5;
        }

        if (integer)
        {
            low = low is double l ? Math.Ceiling(l) : null;
            high = high is double h ? Math.Floor(h) : null;
        }

        var value = Preferred;
        if (low is double min && value < min)
        {
            value = min;
        }

        if (high is double max && value > max)
        {
            value = max;
        }

        return value;
    }

    private static JsonElement FirstNonNull(JsonElement options)
    {
        foreach (var option in options.EnumerateArray())
        {
            if (!string.Equals(TypeOf(option), "null", StringComparison.Ordinal))
            {
                return option;
            }
        }

        return options[0];
    }

    /// <summary>"type" in lower case (Gemini writes "OBJECT"), the first non-null entry of a type array, or implied by properties/items.</summary>
    private static string? TypeOf(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (schema.TryGetProperty("type", out var type))
        {
            if (type.ValueKind == JsonValueKind.String)
            {
                return type.GetString()!.ToLowerInvariant();
            }

            if (type.ValueKind == JsonValueKind.Array)
            {
                string? fallback = null;
                foreach (var entry in type.EnumerateArray())
                {
                    if (entry.ValueKind == JsonValueKind.String)
                    {
                        var value = entry.GetString()!.ToLowerInvariant();
                        if (value != "null")
                        {
                            return value;
                        }

                        fallback = value;
                    }
                }

                return fallback;
            }
        }

        if (schema.TryGetProperty("properties", out _))
        {
            return "object";
        }

        return schema.TryGetProperty("items", out _) ? "array" : null;
    }

    private static bool TryResolve(JsonElement root, string reference, out JsonElement target)
    {
        target = default;
        if (!reference.StartsWith("#/", StringComparison.Ordinal))
        {
            return false;
        }

        var current = root;
        foreach (var segment in reference[2..].Split('/'))
        {
            var name = segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                return false;
            }
        }

        target = current;
        return true;
    }

    private static int? ReadInt(JsonElement schema, string name) =>
        schema.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : null;

    private static double? ReadDouble(JsonElement schema, string name) =>
        schema.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
