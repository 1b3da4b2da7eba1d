namespace Warden.Server.Tests.Payments;

/// <summary>
/// A clock whose "now" the test sets; timers stay on the system clock (nothing in these tests waits on one), so the
/// server runs normally while a signature's timestamp is judged against a time the test chose.
/// </summary>
internal sealed class SettableClock(DateTimeOffset now) : TimeProvider
{
    private long _ticks = now.UtcTicks;

    public DateTimeOffset Now
    {
        get => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _ticks, value.UtcTicks);
    }

    public override DateTimeOffset GetUtcNow() => Now;
}
