namespace Warden.Server.Routing;

/// <summary>A bounded counter of calls in flight, shared by <see cref="ConcurrencyGate"/> and the leases it hands out.</summary>
internal sealed class InFlightCounter
{
    /// <summary>Only touched through Interlocked/Volatile; a field so it can be passed by reference.</summary>
    public int Count;

    /// <summary>Counts one more call unless that would exceed <paramref name="limit"/> (&lt;= 0: no limit).</summary>
    public bool TryAcquire(int limit)
    {
        if (limit <= 0)
        {
            Interlocked.Increment(ref Count);
            return true;
        }

        // Compare-and-swap rather than increment-then-undo: the undo would make racing callers refuse each other
        // even when a slot is free.
        int seen = Volatile.Read(ref Count);
        while (seen < limit)
        {
            int before = Interlocked.CompareExchange(ref Count, seen + 1, seen);
            if (before == seen)
            {
                return true;
            }

            seen = before;
        }

        return false;
    }

    public void Release() => Interlocked.Decrement(ref Count);
}
