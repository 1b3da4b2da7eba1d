using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>Builds a deterministic arguments object that satisfies the common parts of a tool's JSON schema.</summary>
internal static class SimulatorToolArguments
{
    // echo: when set (the echo fault), every string argument holds it instead of a generated word.
    public static string Build(SimulatorTool tool, string seedText, string? echo = null)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, ChatCompletionJson.WriterOptions))
        {
            writer.WriteStartObject();
            if (tool.Parameters is { ValueKind: JsonValueKind.Object } schema)
            {
                var properties = SimulatorJsonRead.TryGetObject(schema, "properties", out var p) ? p : default;
                foreach (var name in ArgumentNames(schema, properties))
                {
                    writer.WritePropertyName(name);
                    var propertySchema = properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var s) ? s : default;
                    WriteValue(writer, propertySchema, name, $"{seedText}\n{tool.Name}\n{name}", echo);
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The names in "required" (in that order), or every property when nothing is required.</summary>
    private static List<string> ArgumentNames(JsonElement schema, JsonElement properties)
    {
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

        if (names.Count == 0 && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                names.Add(property.Name);
            }
        }

        return names;
    }

    private static void WriteValue(Utf8JsonWriter writer, JsonElement schema, string name, string seedText, string? echo)
    {
        if (schema.ValueKind == JsonValueKind.Object && SimulatorSchemaValue.TryWritePinned(writer, schema))
        {
            return;
        }

        switch (TypeOf(schema))
        {
            case "number" or "integer":
                writer.WriteNumberValue(42);
                break;
            case "boolean":
                writer.WriteBooleanValue(true);
                break;
            case "array":
                writer.WriteStartArray();
                writer.WriteEndArray();
                break;
            case "object":
                writer.WriteStartObject();
                writer.WriteEndObject();
                break;
            case "null":
                writer.WriteNullValue();
                break;
            default:
                writer.WriteStringValue(echo ?? (IsPlace(name) ? "Paris" : SimulatorText.Word(seedText)));
                break;
        }
    }

    /// <summary>"type" as a string, or the first non-null entry of a type array ("["string","null"]").</summary>
    private static string? TypeOf(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("type", out var type))
        {
            return null;
        }

        if (type.ValueKind == JsonValueKind.String)
        {
            return type.GetString();
        }

        if (type.ValueKind == JsonValueKind.Array)
        {
            string? fallback = null;
            foreach (var entry in type.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.String)
                {
                    var value = entry.GetString();
                    if (value != "null")
                    {
                        return value;
                    }

                    fallback = value;
                }
            }

            return fallback;
        }

        return null;
    }

    private static bool IsPlace(string name) =>
        name.Equals("location", StringComparison.OrdinalIgnoreCase) || name.Equals("city", StringComparison.OrdinalIgnoreCase);
}
