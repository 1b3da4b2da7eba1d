using System.Buffers;
using System.Text.Json;

namespace Warden.Core.Dialects.Gemini;

/// <summary>
/// Gemini's OpenAPI-subset schemas name types in upper case ("OBJECT", "STRING"); JSON Schema, which every other
/// dialect expects, uses lower case. Converts the "type" names of a schema (recursively) in either direction.
/// </summary>
internal static class GeminiSchemaTypes
{
    private static readonly string[] Names = ["string", "number", "integer", "boolean", "array", "object", "null"];

    /// <summary>
    /// Returns <paramref name="schema"/> with its type names in lower case (<paramref name="toUpper"/> false) or upper
    /// case; <paramref name="changed"/> says whether any name changed (when not, the original element is returned).
    /// </summary>
    public static JsonElement Convert(JsonElement schema, bool toUpper, out bool changed)
    {
        if (!NeedsChange(schema, toUpper))
        {
            changed = false;
            return schema;
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, GeminiJson.WriterOptions))
        {
            Write(writer, schema, toUpper);
        }

        changed = true;
        return GeminiJson.Parse(buffer.WrittenSpan);
    }

    private static bool NeedsChange(JsonElement element, bool toUpper)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.NameEquals("type"u8) && property.Value.ValueKind == JsonValueKind.String)
                    {
                        string name = property.Value.GetString()!;
                        if (IsTypeName(name) && !string.Equals(name, Cased(name, toUpper), StringComparison.Ordinal))
                        {
                            return true;
                        }
                    }
                    else if (NeedsChange(property.Value, toUpper))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (NeedsChange(item, toUpper))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element, bool toUpper)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    writer.WritePropertyName(property.Name);
                    if (property.NameEquals("type"u8) && property.Value.ValueKind == JsonValueKind.String && IsTypeName(property.Value.GetString()!))
                    {
                        writer.WriteStringValue(Cased(property.Value.GetString()!, toUpper));
                    }
                    else
                    {
                        Write(writer, property.Value, toUpper);
                    }
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item, toUpper);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private static bool IsTypeName(string name)
    {
        foreach (string known in Names)
        {
            if (string.Equals(known, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static string Cased(string name, bool toUpper) => toUpper ? name.ToUpperInvariant() : name.ToLowerInvariant();
}
