namespace Warden.Server.Trust;

/// <summary>
/// The digest (<see cref="ConfigState.Digest"/>) of the configuration the server loaded last, checked against the
/// log: set on every reload, stated in every receipt.
/// </summary>
internal sealed class ConfigDigestInForce
{
    private string? _digest;

    /// <summary>The digest, or null before the first load.</summary>
    public string? Current => Volatile.Read(ref _digest);

    public void Set(string digest) => Volatile.Write(ref _digest, digest);
}
