using System.Security.Cryptography;
using System.Text;

namespace Warden.Server.Simulator;

/// <summary>
/// Makes and checks the simulator's opaque reasoning strings, so tests can prove a relay sends them
/// back byte-exact. Every string is keyed with HMAC-SHA256 under a fixed simulator key and a domain
/// per dialect, so a string minted for one dialect never verifies in another.
/// </summary>
/// <remarks>
/// Anthropic signature: base64(HMAC(key, "anthropic\n" + thinking)); verified against the echoed
/// thinking text. Responses encrypted_content and Gemini thoughtSignature are self-contained:
/// base64(HMAC(key, domain + "\n" + text) ‖ UTF-8 text), verified on their own (the summary or thought
/// text is not always echoed with them).
/// </remarks>
internal static class SimulatorReasoningSeal
{
    /// <summary>The dummy signature Gemini accepts in place of a real one (Gemini CLI inserts it).</summary>
    public const string GeminiSkipValidator = "skip_thought_signature_validator";

    private const int MacBytes = 32;

    private static readonly byte[] Key = "warden-simulator/reasoning-seal/v1"u8.ToArray();

    public static string Sign(SimulatorDialect dialect, string text) => Convert.ToBase64String(Mac(dialect, text));

    public static bool VerifySignature(SimulatorDialect dialect, string text, string signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var presented = new byte[signature.Length];
        if (!Convert.TryFromBase64String(signature, presented, out var length) || length != MacBytes)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(presented.AsSpan(0, length), Mac(dialect, text));
    }

    public static string Seal(SimulatorDialect dialect, string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var sealedBytes = new byte[MacBytes + payload.Length];
        Mac(dialect, text).CopyTo(sealedBytes, 0);
        payload.CopyTo(sealedBytes, MacBytes);
        return Convert.ToBase64String(sealedBytes);
    }

    public static bool VerifySeal(SimulatorDialect dialect, string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var bytes = new byte[token.Length];
        if (!Convert.TryFromBase64String(token, bytes, out var length) || length < MacBytes)
        {
            return false;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, MacBytes, length - MacBytes);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(bytes.AsSpan(0, MacBytes), Mac(dialect, text));
    }

    private static byte[] Mac(SimulatorDialect dialect, string text) =>
        HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes(SimulatorDialects.JournalName(dialect) + "\n" + text));
}
