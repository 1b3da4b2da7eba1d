using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace Warden.Core.Canonical;

/// <summary>
/// Carries one provider's opaque reasoning through a client of another dialect and back. When an answer is
/// translated, the client's dialect may have a place for an opaque string (Anthropic's thinking signature, Gemini's
/// thoughtSignature, Responses' encrypted_content) but not for the origin's own fields. Warden wraps the origin's
/// parts into that string as "wdn1." + base64url(JSON); the client sends it back verbatim on the next turn, and the
/// decoder unwraps it, so the upstream gets its own bytes back unchanged. The reasoning text travels inside too:
/// providers verify a signature against the exact text it signed (Anthropic does), and a client of another dialect
/// may show, merge or drop that text. Nothing secret is added: the envelope holds only what the upstream already
/// gave the client.
/// </summary>
public static class ReasoningEnvelope
{
    private const string Prefix = "wdn1.";

    /// <summary>Wraps <paramref name="block"/>: its origin, id, text, signature, encrypted content and redacted data.</summary>
    public static string Wrap(ReasoningBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("o"u8, block.Origin.ToString());
            WriteIfSet(writer, "i"u8, block.Id);
            WriteIfSet(writer, "t"u8, block.Text);
            WriteIfSet(writer, "s"u8, block.Signature);
            WriteIfSet(writer, "e"u8, block.EncryptedContent);
            WriteIfSet(writer, "r"u8, block.RedactedData);
            writer.WriteEndObject();
        }

        return Prefix + Base64Url.EncodeToString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Unwraps a string made by <see cref="Wrap"/> into a reasoning block of the original dialect, with the text the
    /// provider gave (or <paramref name="text"/>, the visible text, when the envelope has none). False when
    /// <paramref name="opaque"/> is not an envelope
    /// (then it is the dialect's own opaque value and stays as it is).
    /// </summary>
    public static bool TryUnwrap(string? opaque, string? text, out ReasoningBlock block)
    {
        block = null!;
        if (opaque is null || !opaque.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        byte[] json;
        try
        {
            json = Base64Url.DecodeFromChars(opaque.AsSpan(Prefix.Length));
        }
        catch (FormatException)
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("o"u8, out var origin)
                || !Enum.TryParse<WireDialectName>(origin.GetString(), out var dialect))
            {
                return false;
            }

            block = new ReasoningBlock(Read(root, "t"u8) ?? text, Read(root, "s"u8), Read(root, "e"u8), Read(root, "r"u8), Read(root, "i"u8), dialect);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void WriteIfSet(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string? Read(JsonElement root, ReadOnlySpan<byte> name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
