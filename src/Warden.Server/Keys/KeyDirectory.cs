using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Warden.Server.Keys;

/// <summary>
/// The in-memory view of all keys, swapped atomically on change, so authenticating a request touches no storage.
/// </summary>
internal sealed class KeyDirectory(KeyHasher hasher, TimeProvider time)
{
    private FrozenDictionary<string, ClientKey> _byHash = FrozenDictionary<string, ClientKey>.Empty;
    private FrozenDictionary<string, ClientKey> _byId = FrozenDictionary<string, ClientKey>.Empty;

    public void Replace(IEnumerable<ClientKey> keys)
    {
        var list = keys.ToList();
        Volatile.Write(ref _byId, list.ToFrozenDictionary(k => k.Id, StringComparer.Ordinal));
        Volatile.Write(ref _byHash, list.ToFrozenDictionary(k => Convert.ToHexString(k.Hash), StringComparer.Ordinal));
    }

    /// <summary>
    /// Whether the key with this id still authenticates in <paramref name="role"/> (not revoked, not expired): a console
    /// session opened with an admin key ends when that key is revoked.
    /// </summary>
    public bool IsActive(string id, KeyRole role) =>
        Volatile.Read(ref _byId).TryGetValue(id, out var key)
        && key.Role == role
        && key.RevokedAt is null
        && (key.ExpiresAt is not { } expires || expires > time.GetUtcNow());

    public AuthenticationResult Authenticate(string? presented, KeyRole role)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return new(AuthenticationOutcome.Missing, null);
        }

        byte[] hash = hasher.Hash(presented);
        // The dictionary finds the candidate; the full comparison is constant-time so timing reveals nothing about stored hashes.
        // A revoked or expired key answers exactly like one never issued (issue 18): nothing tells its holder it existed.
        if (!Volatile.Read(ref _byHash).TryGetValue(Convert.ToHexString(hash), out var key)
            || !CryptographicOperations.FixedTimeEquals(hash, key.Hash)
            || key.RevokedAt is not null
            || (key.ExpiresAt is { } expires && expires <= time.GetUtcNow()))
        {
            return new(AuthenticationOutcome.Unknown, null);
        }

        if (key.Role != role)
        {
            return new(AuthenticationOutcome.WrongRole, null);
        }

        return new(AuthenticationOutcome.Authenticated, key);
    }
}
