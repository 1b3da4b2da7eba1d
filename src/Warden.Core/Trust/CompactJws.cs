using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warden.Core.Trust;

/// <summary>
/// ES256 JWS in compact serialisation (RFC 7515 §7.1): base64url(header) "." base64url(payload) "."
/// base64url(64-byte r||s signature), all without padding. The protected header is written as
/// <c>{"alg":"ES256","kid":"…","typ":"…"}</c> in that order. Verification accepts only alg ES256, needs a kid
/// present in the key set, refuses "crit", and accepts only canonical base64url.
/// </summary>
public static class CompactJws
{
    // The protected header is the same for every token of a key and type: encoded once. Keys change only on
    // rotation, so the cache stays a handful of entries.
    private static readonly ConcurrentDictionary<(string Kid, string Type), byte[]> Headers = new();

    /// <summary>Signs <paramref name="payload"/> with <paramref name="key"/>; <paramref name="type"/> goes into "typ".</summary>
    /// <remarks>
    /// Every relayed answer is signed, so the token is assembled in one pooled buffer (header, payload and signature
    /// encoded in place) and the only allocation is the returned string.
    /// </remarks>
    public static string Sign(ReadOnlySpan<byte> payload, EcSigningKey key, string type)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(type);

        byte[] header = EncodedHeader(key.KeyId, type);
        int headerB64 = header.Length;
        int payloadB64 = Base64Url.GetEncodedLength(payload.Length);
        int signingInputLength = headerB64 + 1 + payloadB64;
        int total = signingInputLength + 1 + Base64Url.GetEncodedLength(EcSigningKey.SignatureLength);
        byte[] rented = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            Span<byte> token = rented.AsSpan(0, total);
            header.CopyTo(token);
            token[headerB64] = (byte)'.';
            Base64Url.EncodeToUtf8(payload, token[(headerB64 + 1)..]);
            token[signingInputLength] = (byte)'.';

            Span<byte> signature = stackalloc byte[EcSigningKey.SignatureLength];
            key.Sign(token[..signingInputLength], signature);
            Base64Url.EncodeToUtf8(signature, token[(signingInputLength + 1)..]);
            return Encoding.ASCII.GetString(token);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static byte[] EncodedHeader(string kid, string type) => Headers.GetOrAdd((kid, type), static id =>
    {
        var header = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(header, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("alg", "ES256");
            writer.WriteString("kid", id.Kid);
            writer.WriteString("typ", id.Type);
            writer.WriteEndObject();
        }

        return Base64Url.EncodeToUtf8(header.WrittenSpan);
    });

    /// <summary>Checks the token against the published keys and returns what was found, valid or not.</summary>
    public static JwsVerification Verify(string compact, JsonWebKeySet keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (string.IsNullOrEmpty(compact))
        {
            return JwsVerification.Fail(JwsStatus.Malformed, "empty token");
        }

        string[] parts = compact.Split('.');
        if (parts.Length != 3)
        {
            return JwsVerification.Fail(JwsStatus.Malformed, "a compact JWS has exactly three dot-separated parts");
        }

        if (!Base64UrlText.TryDecodeCanonical(parts[0], out byte[]? headerBytes)
            || !Base64UrlText.TryDecodeCanonical(parts[1], out byte[]? payload)
            || !Base64UrlText.TryDecodeCanonical(parts[2], out byte[]? signature))
        {
            return JwsVerification.Fail(JwsStatus.Malformed, "a part is not canonical base64url without padding");
        }

        if (!TryReadHeader(headerBytes, out string? alg, out string? kid, out string? typ, out string? headerError))
        {
            return JwsVerification.Fail(JwsStatus.Malformed, headerError!);
        }

        if (alg != "ES256")
        {
            return JwsVerification.Fail(JwsStatus.UnsupportedAlgorithm, $"alg \"{alg}\" is not ES256", kid, typ);
        }

        if (kid is null)
        {
            return JwsVerification.Fail(JwsStatus.UnknownKey, "the header names no kid", kid, typ);
        }

        JsonWebKey? key = keys.Find(kid);
        if (key is null)
        {
            return JwsVerification.Fail(JwsStatus.UnknownKey, $"kid \"{kid}\" is not among the published keys", kid, typ);
        }

        if (signature.Length != 64)
        {
            return JwsVerification.Fail(JwsStatus.BadSignature, "an ES256 signature is 64 bytes (r||s)", kid, typ);
        }

        byte[] signingInput = Encoding.ASCII.GetBytes(compact, 0, parts[0].Length + 1 + parts[1].Length);
        if (!key.Verify(signingInput, signature))
        {
            return JwsVerification.Fail(JwsStatus.BadSignature, "the signature does not match the header and payload", kid, typ);
        }

        return new JwsVerification(JwsStatus.Valid, "signature valid", kid, typ, payload);
    }

    private static bool TryReadHeader(byte[] header, out string? alg, out string? kid, out string? typ, out string? error)
    {
        alg = kid = typ = null;
        try
        {
            using JsonDocument document = JsonDocument.Parse(header);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "the header is not a JSON object";
                return false;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    error = $"the header repeats \"{property.Name}\"";
                    return false;
                }

                switch (property.Name)
                {
                    case "alg":
                        alg = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                        break;
                    case "kid":
                        kid = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                        break;
                    case "typ":
                        typ = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                        break;
                    case "crit":
                        error = "the header has \"crit\" extensions, which are not understood";
                        return false;
                    default:
                        break;
                }
            }

            if (alg is null)
            {
                error = "the header has no alg";
                return false;
            }

            error = null;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            error = "the header is not valid UTF-8 JSON";
            return false;
        }
    }
}

/// <summary>Outcome of checking a compact JWS.</summary>
public enum JwsStatus
{
    /// <summary>Signature verified with a published key.</summary>
    Valid,

    /// <summary>Not a well-formed compact JWS.</summary>
    Malformed,

    /// <summary>The header's alg is not ES256 (including "none").</summary>
    UnsupportedAlgorithm,

    /// <summary>No kid, or a kid not in the key set.</summary>
    UnknownKey,

    /// <summary>The signature does not verify.</summary>
    BadSignature,
}

/// <summary>What <see cref="CompactJws.Verify"/> found: the status, a reason, and the header fields and payload when readable.</summary>
/// <param name="Status">The outcome.</param>
/// <param name="Reason">A human-readable explanation.</param>
/// <param name="KeyId">The header's kid, when it could be read.</param>
/// <param name="Type">The header's typ, when present.</param>
/// <param name="Payload">The payload bytes; only set when the signature is valid.</param>
public sealed record JwsVerification(JwsStatus Status, string Reason, string? KeyId, string? Type, byte[]? Payload)
{
    /// <summary>True when the signature verified.</summary>
    public bool IsValid => Status == JwsStatus.Valid;

    internal static JwsVerification Fail(JwsStatus status, string reason, string? keyId = null, string? type = null) =>
        new(status, reason, keyId, type, null);
}
