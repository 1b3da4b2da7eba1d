namespace Warden.Server.Billing;

/// <summary>
/// The rate limiter's answer: a lease to hand back when the request ends, or a refusal with the Retry-After to
/// send (whole seconds, at least 1) and which limit refused.
/// </summary>
internal sealed record RateLimitDecision(RateLimitLease? Lease, TimeSpan RetryAfter, string? Problem)
{
    public bool Allowed => Lease is not null;

    /// <summary>The Retry-After header value: seconds, rounded up, at least 1.</summary>
    /// <remarks>In 128-bit arithmetic: a wait near <see cref="TimeSpan.MaxValue"/> (a bucket in deep debt) must not wrap to 1.</remarks>
    public long RetryAfterSeconds => (long)Int128.Max(1, ((Int128)RetryAfter.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond);
}
