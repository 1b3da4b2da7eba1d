namespace Warden.Server.Billing;

/// <summary>
/// An admitted request's hold: the credit reserved (none when the key belongs to no tenant: unmetered), the price
/// version it was reserved at (settlement uses the same version), and its rate-limit lease.
/// </summary>
internal sealed record Reservation(
    string RequestId,
    string KeyId,
    Tenant? Tenant,
    string? Account,
    string Model,
    PriceVersion? Price,
    long ReservedMicros,
    RateLimitLease Lease)
{
    public bool IsMetered => Tenant is not null;

    /// <summary>The input tokens the hold was computed for (a fallback model's hold is computed for the same).</summary>
    public long HoldInputTokens { get; init; }

    /// <summary>The output tokens the hold was computed for.</summary>
    public long HoldOutputTokens { get; init; }
}
