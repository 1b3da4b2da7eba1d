namespace Warden.Server.Billing;

/// <summary>
/// What an admitted request holds against the rate limits: its concurrency slots and the tokens it took. Complete
/// it with the tokens actually used (unused tokens go back to the buckets); Dispose without completing keeps the
/// tokens spent. Either way the concurrency slots are freed exactly once.
/// </summary>
internal sealed class RateLimitLease : IDisposable
{
    private readonly Action<long> _release;
    private int _released;

    public RateLimitLease(long tokensTaken, Action<long> release)
    {
        TokensTaken = tokensTaken;
        _release = release;
    }

    public long TokensTaken { get; }

    /// <summary>Frees the slots and returns <c>TokensTaken − tokensUsed</c> (if positive) to the token buckets.</summary>
    public void Complete(long tokensUsed)
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _release(Math.Max(0, TokensTaken - tokensUsed));
        }
    }

    public void Dispose() => Complete(TokensTaken);
}
