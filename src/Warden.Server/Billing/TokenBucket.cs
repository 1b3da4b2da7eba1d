namespace Warden.Server.Billing;

/// <summary>
/// A token bucket refilled continuously at <c>capacity</c> per minute, in exact integer arithmetic on the injected
/// clock's timestamps (the level is kept in 1/TicksPerMinute fractions of a token). A take larger than the whole
/// capacity is allowed only from a full bucket (it then runs into debt), so a large request is slowed, not barred.
/// Not thread-safe: <see cref="RateLimiter"/> guards it.
/// </summary>
internal sealed class TokenBucket
{
    private static readonly long TicksPerMinute = TimeSpan.TicksPerMinute;
    private readonly TimeProvider _time;
    private readonly Int128 _full;
    private Int128 _level;
    private long _lastTimestamp;

    public TokenBucket(long capacityPerMinute, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityPerMinute, 1);
        Capacity = capacityPerMinute;
        _time = time;
        _full = (Int128)capacityPerMinute * TicksPerMinute;
        _level = _full;
        _lastTimestamp = time.GetTimestamp();
    }

    public long Capacity { get; }

    /// <summary>Takes <paramref name="amount"/> tokens, or says how long until it could (the real wait, debt included).</summary>
    public bool TryTake(long amount, out TimeSpan retryAfter)
    {
        Refill();
        Int128 needed = (Int128)amount * TicksPerMinute;
        Int128 threshold = amount > Capacity ? _full : needed;
        if (_level >= threshold)
        {
            _level -= needed;
            retryAfter = TimeSpan.Zero;
            return true;
        }

        // Refill runs at Capacity fractions per tick: ticks to wait = ceil(missing / Capacity). A deep debt can need
        // more ticks than a long holds: saturate rather than let the narrowing wrap into a small or negative wait.
        Int128 missing = threshold - _level;
        Int128 ticks = (missing + Capacity - 1) / Capacity;
        retryAfter = ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)ticks);
        return false;
    }

    /// <summary>Returns tokens taken but not used (e.g. a reservation's unused output), never above a full bucket.</summary>
    public void Give(long amount)
    {
        if (amount <= 0)
        {
            return;
        }

        Refill();
        _level = Int128.Min(_full, _level + ((Int128)amount * TicksPerMinute));
    }

    private void Refill()
    {
        long now = _time.GetTimestamp();
        long elapsed = now - _lastTimestamp;
        _lastTimestamp = now;
        if (elapsed <= 0)
        {
            return;
        }

        // Timestamps are in the clock's own frequency; convert to TimeSpan ticks.
        Int128 ticks = (Int128)elapsed * TimeSpan.TicksPerSecond / _time.TimestampFrequency;
        _level = Int128.Min(_full, _level + (ticks * Capacity));
    }
}
