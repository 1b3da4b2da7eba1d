using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warden.Core.Dialects.Responses;

/// <summary>Reader and writer settings and small JSON helpers shared by the Responses codec's parts.</summary>
internal static class ResponsesJson
{
    /// <summary>Deepest nesting accepted, the same as the pass-through inspector.</summary>
    public const int MaxDepth = 256;

    /// <summary>Bodies are JSON, never HTML: text stays readable.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false };

    public static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = MaxDepth };

    /// <summary>Parses one JSON value into an element that owns its memory (no document to dispose). Throws JsonException.</summary>
    public static JsonElement Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        var element = JsonElement.ParseValue(ref reader);

        // Reading past the value makes the reader reject trailing content.
        reader.Read();
        return element;
    }

    /// <summary>A JSON string element holding <paramref name="value"/>.</summary>
    public static JsonElement StringElement(string value)
    {
        var buffer = new ArrayBufferWriter<byte>(value.Length + 8);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStringValue(value);
        }

        return Parse(buffer.WrittenSpan);
    }

    /// <summary>The JSON literal true.</summary>
    public static JsonElement True { get; } = Parse("true"u8);

    public static string? GetString(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static JsonElement? GetMember(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static long? GetInt64(this JsonElement element, string name) =>
        element.GetMember(name) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt64(out long n) ? n : null;

    /// <summary>Writes a string member, or nothing when <paramref name="value"/> is null.</summary>
    public static void WriteStringIfSet(this Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>Writes a string member, or null.</summary>
    public static void WriteStringOrNull(this Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>Writes a number member, or null.</summary>
    public static void WriteNumberOrNull(this Utf8JsonWriter writer, string name, long? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteNumber(name, value.Value);
        }
    }

    /// <summary>Writes a number member, or null.</summary>
    public static void WriteNumberOrNull(this Utf8JsonWriter writer, string name, double? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteNumber(name, value.Value);
        }
    }
}
