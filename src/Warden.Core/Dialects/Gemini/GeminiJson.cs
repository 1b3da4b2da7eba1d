using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warden.Core.Dialects.Gemini;

/// <summary>Writer options and small JSON helpers shared by the Gemini codec's parts.</summary>
internal static class GeminiJson
{
    /// <summary>Bodies are JSON, never HTML: text stays readable and opaque strings stay as they are.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 256 };

    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 256 };

    /// <summary>A JSON element holding one boolean, for extension flags.</summary>
    public static readonly JsonElement True = Parse("true"u8);

    public static JsonElement Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        return JsonElement.ParseValue(ref reader);
    }

    public static JsonElement StringElement(string value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(value.Length + 8);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStringValue(value);
        }

        return Parse(buffer.WrittenSpan);
    }

    public static string? GetString(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static bool IsFlagSet(IReadOnlyDictionary<string, JsonElement>? extensions, string key) =>
        extensions is not null && extensions.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>Writes JSON text as a raw value when it is valid JSON; otherwise keeps it as a string under "arguments".</summary>
    public static void WriteJsonObjectText(Utf8JsonWriter writer, string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(json, DocumentOptions);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                writer.WriteRawValue(json, skipInputValidation: true);
                return;
            }
        }
        catch (JsonException)
        {
            // Not JSON: kept as text below, never lost.
        }

        writer.WriteStartObject();
        writer.WriteString("arguments"u8, json);
        writer.WriteEndObject();
    }
}
