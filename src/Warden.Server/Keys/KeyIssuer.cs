namespace Warden.Server.Keys;

/// <summary>Creates keys for the CLI and the admin API alike. The plaintext key exists only in the returned value.</summary>
internal sealed class KeyIssuer(KeyStore store, KeyHasher hasher, TimeProvider time)
{
    public IssuedKey Issue(string name, KeyRole role, IReadOnlyList<string>? allowedModels, DateTimeOffset? expiresAt)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("A key needs a name.", nameof(name));
        }

        string plaintext = KeyHasher.NewKey(role);
        var key = new ClientKey(
            Guid.CreateVersion7(time.GetUtcNow()).ToString(),
            name.Trim(),
            role,
            KeyHasher.HintOf(plaintext, role),
            hasher.Hash(plaintext),
            allowedModels is { Count: > 0 } ? [.. allowedModels.Distinct(StringComparer.Ordinal)] : null,
            time.GetUtcNow(),
            expiresAt,
            null);
        store.Insert(key);
        return new IssuedKey(key, plaintext);
    }
}
