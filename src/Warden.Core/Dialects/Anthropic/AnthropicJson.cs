using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warden.Core.Dialects.Anthropic;

/// <summary>JSON reader and writer settings shared by the Anthropic codec's parts.</summary>
internal static class AnthropicJson
{
    /// <summary>Deepest nesting accepted, the same as every other dialect.</summary>
    public const int MaxDepth = 256;

    // Bodies are application/json, never HTML: the relaxed encoder keeps text readable. Validation stays on.
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Writes a raw JSON value byte for byte (keeps opaque JSON such as tool inputs exact).</summary>
    public static void WriteRaw(Utf8JsonWriter writer, JsonElement value) => writer.WriteRawValue(value.GetRawText(), skipInputValidation: true);

    /// <summary>Whether <paramref name="json"/> is one complete JSON value.</summary>
    public static bool IsValidJson(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json), new JsonReaderOptions { MaxDepth = MaxDepth });
            reader.Read();
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static string? GetString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static long? GetInt64(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long n) ? n : null;
}
