using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warden.Core.Dialects.OpenAIChat;

/// <summary>Small shared pieces of the Chat Completions codec: writer options, data URLs and the object names.</summary>
internal static class ChatJson
{
    /// <summary>Bodies are JSON, never HTML: text stays readable.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The nesting accepted when reading, the same as the pass-through inspector's.</summary>
    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = ChatRequestInspector.MaxDepth };

    /// <summary>Splits <c>data:&lt;media type&gt;;base64,&lt;data&gt;</c>; false for anything else (http URLs, non-base64 data URLs).</summary>
    public static bool TryParseDataUrl(string url, out string mediaType, out string data)
    {
        mediaType = string.Empty;
        data = string.Empty;
        if (!url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        int comma = url.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0)
        {
            return false;
        }

        var header = url.AsSpan(5, comma - 5);
        const string Base64Marker = ";base64";
        if (!header.EndsWith(Base64Marker, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        mediaType = header[..^Base64Marker.Length].ToString();
        data = url[(comma + 1)..];
        return true;
    }

    /// <summary>A standalone JSON value (not tied to any pooled document), for extension entries the decoder makes up.</summary>
    public static JsonElement Element(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static string ToDataUrl(string? mediaType, string data) => "data:" + (mediaType ?? "application/octet-stream") + ";base64," + data;

    /// <summary>The string value of a member, or null when it is absent, null or not a string.</summary>
    public static string? GetString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Whether a member is present with a non-null value.</summary>
    public static bool Has(JsonElement element, string name, out JsonElement value) =>
        element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;
}
