namespace Warden.Server.Billing;

/// <summary>
/// The rate limiter's answer: a lease to hand back when the request ends, or a refusal with the Retry-After to
/// send (whole seconds, at least 1) and which limit refused.
/// </summary>
internal sealed record RateLimitDecision(RateLimitLease? Lease, TimeSpan RetryAfter, string? Problem)
{
    public bool Allowed => Lease is not null;

    /// <summary>The Retry-After header value: seconds, rounded up, at least 1.</summary>
    public long RetryAfterSeconds => Math.Max(1, (RetryAfter.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond);
}
