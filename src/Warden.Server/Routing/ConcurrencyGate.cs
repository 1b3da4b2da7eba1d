using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Warden.Server.Routing;

/// <summary>
/// Load shedding: bounds concurrent upstream calls per channel and in total. It never queues: a request that finds
/// the gate full is refused at once (the caller answers 503 with Retry-After or tries the next channel), because a
/// queue in front of a slow LLM upstream only turns overload into timeouts while holding memory and sockets.
/// Counting is lock-free.
/// </summary>
internal sealed class ConcurrencyGate(int totalLimit)
{
    private readonly ConcurrentDictionary<string, InFlightCounter> _channels = new(StringComparer.Ordinal);
    private readonly InFlightCounter _total = new();

    /// <summary>Calls in flight over all channels.</summary>
    public int TotalInFlight => Volatile.Read(ref _total.Count);

    /// <summary>
    /// Takes a slot on the channel and in the total, or neither. <paramref name="channelLimit"/> &lt;= 0 (like a
    /// total limit &lt;= 0) means unlimited, but the call is still counted so <see cref="InFlight"/> stays true.
    /// </summary>
    public bool TryEnter(string channelId, int channelLimit, [MaybeNullWhen(false)] out ConcurrencyLease lease)
    {
        ArgumentNullException.ThrowIfNull(channelId);
        if (!_total.TryAcquire(totalLimit))
        {
            lease = null;
            return false;
        }

        var channel = _channels.GetOrAdd(channelId, static _ => new InFlightCounter());
        if (!channel.TryAcquire(channelLimit))
        {
            _total.Release();
            lease = null;
            return false;
        }

        lease = new ConcurrencyLease(channel, _total);
        return true;
    }

    /// <summary>Calls in flight to one channel.</summary>
    public int InFlight(string channelId) =>
        _channels.TryGetValue(channelId, out var channel) ? Volatile.Read(ref channel.Count) : 0;
}
