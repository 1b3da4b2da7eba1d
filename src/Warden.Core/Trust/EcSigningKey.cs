using System.Security.Cryptography;

namespace Warden.Core.Trust;

/// <summary>
/// A private ES256 signing key (ECDSA P-256 with SHA-256). Signatures are IEEE P1363 fixed-size r||s (64 bytes),
/// the form JWS uses. Storing the key is the caller's job (<see cref="ExportPkcs8"/> / <see cref="FromPkcs8"/>).
/// </summary>
public sealed class EcSigningKey : IDisposable
{
    private readonly ECDsa _ecdsa;

    private EcSigningKey(ECDsa ecdsa)
    {
        _ecdsa = ecdsa;
        PublicKey = JsonWebKey.FromPublicKey(ecdsa);
    }

    /// <summary>The public half, as published in the JWKS.</summary>
    public JsonWebKey PublicKey { get; }

    /// <summary>The key id (RFC 7638 thumbprint of the public key).</summary>
    public string KeyId => PublicKey.KeyId;

    /// <summary>A new random key from the OS generator.</summary>
    public static EcSigningKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>A key from its PKCS#8 (DER) encoding; it must be on P-256.</summary>
    public static EcSigningKey FromPkcs8(ReadOnlySpan<byte> pkcs8)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
            return new EcSigningKey(ecdsa);
        }
        catch
        {
            ecdsa.Dispose();
            throw;
        }
    }

    /// <summary>A key from its private scalar and public point (e.g. a JWK's d, x, y decoded).</summary>
    public static EcSigningKey FromParameters(ReadOnlySpan<byte> d, ReadOnlySpan<byte> x, ReadOnlySpan<byte> y)
    {
        var parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            D = d.ToArray(),
            Q = new ECPoint { X = x.ToArray(), Y = y.ToArray() },
        };
        return new EcSigningKey(ECDsa.Create(parameters));
    }

    /// <summary>The PKCS#8 (DER) encoding of the private key, for the key store.</summary>
    public byte[] ExportPkcs8() => _ecdsa.ExportPkcs8PrivateKey();

    /// <summary>The length of an ES256 signature: r||s, 32 bytes each.</summary>
    public const int SignatureLength = 64;

    /// <summary>The 64-byte r||s ES256 signature of <paramref name="data"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) =>
        _ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>Writes the ES256 signature of <paramref name="data"/> into <paramref name="signature"/> (<see cref="SignatureLength"/> bytes).</summary>
    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature)
    {
        if (!_ecdsa.TrySignData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out int written)
            || written != SignatureLength)
        {
            throw new CryptographicException("The ES256 signature did not fit in 64 bytes.");
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _ecdsa.Dispose();
}
