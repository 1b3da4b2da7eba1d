namespace Warden.Server.Billing;

/// <summary>
/// The rate limits' state (requests and tokens per minute, concurrent requests): in this process
/// (<see cref="RateLimiter"/>) or shared by every node through Redis (<see cref="SharedState.RedisRateLimiter"/>).
/// Synchronous on purpose: the request path calls it where it called the in-process limiter, so the seam changes no caller.
/// </summary>
internal interface IRateLimiter
{
    /// <summary>Admits a request that may use up to <paramref name="tokens"/> tokens, or refuses it with a Retry-After.</summary>
    RateLimitDecision TryAcquire(IReadOnlyList<RateLimits> limits, long tokens);
}
