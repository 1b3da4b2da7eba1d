using System.Buffers;
using System.Text.Json;

namespace Warden.Core.Dialects.Gemini;

/// <summary>Writes the answer of <c>GET /v1beta/models</c> in Gemini's shape (as in the captured models list clients accepted).</summary>
public static class GeminiModelsList
{
    /// <summary>Writes <c>{"models":[{"name":"models/&lt;id&gt;","displayName","supportedGenerationMethods"}]}</c>.</summary>
    public static void Write(IEnumerable<(string Id, string DisplayName)> models, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(models);
        using var writer = new Utf8JsonWriter(output, GeminiJson.WriterOptions);
        writer.WriteStartObject();
        writer.WriteStartArray("models"u8);
        foreach (var (id, displayName) in models)
        {
            writer.WriteStartObject();
            writer.WriteString("name"u8, "models/" + id);
            writer.WriteString("displayName"u8, displayName);
            writer.WriteStartArray("supportedGenerationMethods"u8);
            writer.WriteStringValue("generateContent"u8);
            writer.WriteStringValue("countTokens"u8);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
