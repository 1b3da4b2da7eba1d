using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warden.Core.Trust;

/// <summary>
/// A public ES256 verification key as a JWK (RFC 7517/7518: kty "EC", crv "P-256", x, y, kid, alg "ES256",
/// use "sig"). The kid is the RFC 7638 thumbprint: base64url (no padding) of SHA-256 over
/// <c>{"crv":"P-256","kty":"EC","x":"…","y":"…"}</c>, so a key id can be recomputed from the key itself.
/// </summary>
public sealed class JsonWebKey
{
    private const int CoordinateSize = 32;

    private readonly byte[] _x;
    private readonly byte[] _y;

    private JsonWebKey(byte[] x, byte[] y)
    {
        _x = x;
        _y = y;
        X = Base64Url.EncodeToString(x);
        Y = Base64Url.EncodeToString(y);
        KeyId = Thumbprint(X, Y);
    }

    /// <summary>The RFC 7638 thumbprint, base64url: the key's id everywhere (JWS header, checkpoints, JWKS).</summary>
    public string KeyId { get; }

    /// <summary>The x coordinate, base64url of 32 big-endian bytes.</summary>
    public string X { get; }

    /// <summary>The y coordinate, base64url of 32 big-endian bytes.</summary>
    public string Y { get; }

    /// <summary>The public key of a P-256 ECDsa key.</summary>
    public static JsonWebKey FromPublicKey(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ECParameters parameters = key.ExportParameters(includePrivateParameters: false);
        if (parameters.Curve.Oid?.Value != ECCurve.NamedCurves.nistP256.Oid.Value
            || parameters.Q.X is not { Length: CoordinateSize } x || parameters.Q.Y is not { Length: CoordinateSize } y)
        {
            throw new ArgumentException("ES256 needs a P-256 key.", nameof(key));
        }

        return new JsonWebKey(x, y);
    }

    /// <summary>A key from its base64url coordinates; false when they are not a point on P-256.</summary>
    public static bool TryCreate(string x, string y, out JsonWebKey? key, out string? error)
    {
        key = null;
        if (!TryDecodeCoordinate(x, out byte[]? xBytes) || !TryDecodeCoordinate(y, out byte[]? yBytes))
        {
            error = "x and y must be base64url (no padding) of 32 bytes each";
            return false;
        }

        var candidate = new JsonWebKey(xBytes, yBytes);
        try
        {
            using ECDsa ecdsa = candidate.CreateVerifier();
        }
        catch (CryptographicException)
        {
            error = "x and y are not a point on P-256";
            return false;
        }

        key = candidate;
        error = null;
        return true;
    }

    /// <summary>Reads a JWK object; only EC P-256 keys with no private part are accepted.</summary>
    public static bool TryParse(JsonElement element, out JsonWebKey? key, out string? error)
    {
        key = null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            error = "a JWK must be a JSON object";
            return false;
        }

        if (GetString(element, "kty") != "EC" || GetString(element, "crv") != "P-256")
        {
            error = "only kty \"EC\" with crv \"P-256\" is supported";
            return false;
        }

        if (element.TryGetProperty("d", out _))
        {
            error = "a published key must not contain the private part \"d\"";
            return false;
        }

        string? alg = GetString(element, "alg");
        string? use = GetString(element, "use");
        if ((element.TryGetProperty("alg", out _) && alg != "ES256") || (element.TryGetProperty("use", out _) && use != "sig"))
        {
            error = "alg must be \"ES256\" and use must be \"sig\"";
            return false;
        }

        if (GetString(element, "x") is not { } x || GetString(element, "y") is not { } y)
        {
            error = "x and y are required strings";
            return false;
        }

        if (!TryCreate(x, y, out JsonWebKey? parsed, out error))
        {
            return false;
        }

        if (element.TryGetProperty("kid", out JsonElement kid) && (kid.ValueKind != JsonValueKind.String || kid.GetString() != parsed!.KeyId))
        {
            error = "kid is not the RFC 7638 thumbprint of the key";
            return false;
        }

        key = parsed;
        return true;
    }

    /// <summary>True when <paramref name="signature"/> (64 bytes r||s) is a valid ES256 signature of <paramref name="data"/> by this key.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != 2 * CoordinateSize)
        {
            return false;
        }

        using ECDsa ecdsa = CreateVerifier();
        return ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>Writes the JWK object: kty, crv, x, y, kid, alg, use (in that order).</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("kty", "EC");
        writer.WriteString("crv", "P-256");
        writer.WriteString("x", X);
        writer.WriteString("y", Y);
        writer.WriteString("kid", KeyId);
        writer.WriteString("alg", "ES256");
        writer.WriteString("use", "sig");
        writer.WriteEndObject();
    }

    /// <summary>The JWK as compact JSON.</summary>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The RFC 7638 thumbprint of a P-256 key given its base64url coordinates.</summary>
    public static string Thumbprint(string x, string y)
    {
        // RFC 7638 §3.2: required members only, lexicographic order, no whitespace. x and y are base64url text,
        // which needs no JSON escaping.
        string canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + x + "\",\"y\":\"" + y + "\"}";
        return Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    internal ECDsa CreateVerifier()
    {
        var parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = _x, Y = _y },
        };
        return ECDsa.Create(parameters);
    }

    private static bool TryDecodeCoordinate(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = null;
        return Base64UrlText.TryDecodeCanonical(text, out bytes) && bytes.Length == CoordinateSize;
    }

    private static string? GetString(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
