using System.Buffers;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Gemini;

/// <summary>
/// Writes a canonical answer as a Gemini GenerateContentResponse for a Gemini client: one candidate with the parts,
/// finishReason and index, then usageMetadata, modelVersion and responseId. Reasoning of another origin travels in a
/// <see cref="ReasoningEnvelope"/> as a thoughtSignature, its text as a thought part.
/// </summary>
internal static class GeminiResponseEncoder
{
    public static void Encode(CanonicalResponse response, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(response);
        using var writer = new Utf8JsonWriter(output, GeminiJson.WriterOptions);
        writer.WriteStartObject();
        writer.WriteStartArray("candidates"u8);
        writer.WriteStartObject();
        writer.WriteStartObject("content"u8);
        writer.WriteString("role"u8, "model"u8);
        writer.WriteStartArray("parts"u8);
        var parts = new GeminiPartWriter(forClient: true, WireDialectName.Gemini, []);
        // Answers hold no tool results and foreign unknown parts are skipped for clients, so nothing here can fail.
        _ = parts.WriteParts(writer, response.Content, "content");
        parts.Flush(writer);
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteString("finishReason"u8, GeminiFinishReasons.Write(response.StopReason));
        writer.WriteNumber("index"u8, 0);
        writer.WriteEndObject();
        writer.WriteEndArray();
        GeminiUsage.Write(writer, response.Usage);
        writer.WriteString("modelVersion"u8, response.Model);
        writer.WriteString("responseId"u8, response.Id);
        writer.WriteEndObject();
    }
}
