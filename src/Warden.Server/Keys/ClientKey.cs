namespace Warden.Server.Keys;

/// <summary>A key as Warden stores it: never the secret itself, only its keyed hash and a short hint.</summary>
/// <param name="Id">UUIDv7 of the key; what usage records and the admin API refer to.</param>
/// <param name="Name">Operator-chosen label.</param>
/// <param name="Role">Client or admin.</param>
/// <param name="Hint">The prefix and first characters, for recognising a key in lists.</param>
/// <param name="Hash">HMAC-SHA256 of the full key under the server's pepper.</param>
/// <param name="AllowedModels">Models the key may call; null means every model.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="ExpiresAt">When it stops working, if ever.</param>
/// <param name="RevokedAt">When it was revoked, if it was.</param>
internal sealed record ClientKey(
    string Id,
    string Name,
    KeyRole Role,
    string Hint,
    byte[] Hash,
    IReadOnlyList<string>? AllowedModels,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt)
{
    /// <summary>
    /// Models the key accepts in place of the one it asked for, in order of preference. Empty means strict: fallback
    /// never crosses to a different model (issue 4). Every crossing is disclosed in headers and the receipt.
    /// </summary>
    public IReadOnlyList<string> FallbackModels { get; init; } = [];

    public bool MayUse(string model) => AllowedModels is null || AllowedModels.Contains(model, StringComparer.Ordinal);
}
