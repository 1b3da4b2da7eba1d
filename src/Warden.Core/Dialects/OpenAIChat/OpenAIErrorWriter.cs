using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warden.Core.Dialects.OpenAIChat;

/// <summary>Writes OpenAI's error JSON: <c>{"error":{"message","type","param","code"}}</c>.</summary>
public static class OpenAIErrorWriter
{
    // Error JSON is read by people (Codex prints the raw body): quotes and apostrophes stay readable. The body is
    // application/json, never HTML, so the relaxed encoder is safe here.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(IBufferWriter<byte> output, string message, string type, string? param, string? code)
    {
        using var writer = new Utf8JsonWriter(output, Options);
        writer.WriteStartObject();
        writer.WriteStartObject("error"u8);
        writer.WriteString("message"u8, message);
        writer.WriteString("type"u8, type);
        WriteNullable(writer, "param"u8, param);
        WriteNullable(writer, "code"u8, code);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static byte[] ToBytes(string message, string type, string? param, string? code)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(buffer, message, type, param, code);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteNullable(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
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
}
