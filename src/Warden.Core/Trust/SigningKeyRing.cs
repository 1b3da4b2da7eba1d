namespace Warden.Core.Trust;

/// <summary>
/// The relay's signing keys: one current private key that signs new receipts and checkpoints, and the public
/// halves of retired keys, which stay published so that everything they signed keeps verifying. Keys come from
/// the caller (storage lives elsewhere); the ring never disposes them.
/// </summary>
public sealed class SigningKeyRing
{
    /// <summary>A ring with a current key and the public keys it replaced (newest first).</summary>
    public SigningKeyRing(EcSigningKey current, IEnumerable<JsonWebKey>? retired = null)
    {
        ArgumentNullException.ThrowIfNull(current);
        Current = current;
        Retired = (retired ?? []).Where(k => k.KeyId != current.KeyId).ToList();
        PublicKeys = new JsonWebKeySet([current.PublicKey, .. Retired]);
    }

    /// <summary>The key that signs from now on.</summary>
    public EcSigningKey Current { get; }

    /// <summary>Public halves of earlier keys, newest first.</summary>
    public IReadOnlyList<JsonWebKey> Retired { get; }

    /// <summary>Everything to publish at /.well-known/warden/jwks.json: current first, then retired.</summary>
    public JsonWebKeySet PublicKeys { get; }

    /// <summary>A new ring where <paramref name="next"/> signs and the current key joins the retired ones.</summary>
    public SigningKeyRing Rotate(EcSigningKey next) => new(next, [Current.PublicKey, .. Retired]);
}
