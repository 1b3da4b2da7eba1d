namespace Warden.Server.Routing;

/// <summary>
/// One upstream call's slot in a <see cref="ConcurrencyGate"/>. Disposing it gives the slot back exactly once, so a
/// pipeline that disposes on both the normal and the error path cannot free someone else's slot.
/// </summary>
internal sealed class ConcurrencyLease : IDisposable
{
    private readonly InFlightCounter _channel;
    private readonly InFlightCounter _total;
    private int _released;

    internal ConcurrencyLease(InFlightCounter channel, InFlightCounter total)
    {
        _channel = channel;
        _total = total;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _channel.Release();
            _total.Release();
        }
    }
}
