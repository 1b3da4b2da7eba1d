using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warden.Core.Protection;

/// <summary>
/// Visits the strings (values and property names) and long numbers of a JSON text: tool-call arguments, unknown
/// blocks, tool schemas. Values are looked for in the decoded strings, so an escape next to a value ("\n138...")
/// does not hide it, and a masked JSON text is written again from its tokens, so it stays valid JSON whatever the
/// values contained. A whole number that is a value becomes a string holding its placeholder.
/// </summary>
internal static class JsonTextWalker
{
    private const int MaxDepth = 256;

    // Shortest number any recogniser accepts (an international phone number without separators).
    private const int MinNumberLength = 7;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        MaxDepth = MaxDepth,
        SkipValidation = true,
    };

    private static readonly SearchValues<char> Base64Chars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_");

    /// <summary>
    /// Visits <paramref name="json"/>. Returns false when it is not valid JSON (the caller then treats it as text).
    /// <paramref name="rewritten"/> is the new JSON text when the visitor changed something, else null.
    /// </summary>
    public static bool TryVisit(ReadOnlySpan<byte> json, RequestTextVisitor visitor, out byte[]? rewritten)
    {
        rewritten = null;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
        ArrayBufferWriter<byte>? buffer = visitor.Rewrites ? new ArrayBufferWriter<byte>(json.Length + 64) : null;
        using var writer = buffer is null ? null : new Utf8JsonWriter(buffer, WriterOptions);
        bool changed = false;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        writer?.WriteStartObject();
                        break;
                    case JsonTokenType.EndObject:
                        writer?.WriteEndObject();
                        break;
                    case JsonTokenType.StartArray:
                        writer?.WriteStartArray();
                        break;
                    case JsonTokenType.EndArray:
                        writer?.WriteEndArray();
                        break;
                    case JsonTokenType.PropertyName:
                        {
                            string name = reader.GetString()!;
                            string visited = visitor.Text(name);
                            changed |= !ReferenceEquals(name, visited);
                            writer?.WritePropertyName(visited);
                            break;
                        }

                    case JsonTokenType.String:
                        {
                            string value = reader.GetString()!;
                            string visited = IsBinary(value) ? Skip(visitor, value) : visitor.Text(value);
                            changed |= !ReferenceEquals(value, visited);
                            writer?.WriteStringValue(visited);
                            break;
                        }

                    case JsonTokenType.Number:
                        {
                            string? replacement = reader.ValueSpan.Length >= MinNumberLength ? visitor.WholeNumber(Encoding.UTF8.GetString(reader.ValueSpan)) : null;
                            if (replacement is not null)
                            {
                                changed = true;
                                writer?.WriteStringValue(replacement);
                            }
                            else
                            {
                                writer?.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                            }

                            break;
                        }

                    case JsonTokenType.True:
                    case JsonTokenType.False:
                        writer?.WriteBooleanValue(reader.TokenType == JsonTokenType.True);
                        break;
                    case JsonTokenType.Null:
                        writer?.WriteNullValue();
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        if (changed && writer is not null)
        {
            writer.Flush();
            rewritten = buffer!.WrittenSpan.ToArray();
        }

        return true;
    }

    // Inline base64 (audio, images, files inside an unknown block): not text, so not inspected, and never changed.
    private static bool IsBinary(string value) => value.Length >= 1024 && !value.AsSpan().ContainsAnyExcept(Base64Chars);

    private static string Skip(RequestTextVisitor visitor, string value)
    {
        visitor.NotInspected++;
        return value;
    }
}
