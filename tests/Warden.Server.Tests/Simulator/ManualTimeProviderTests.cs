namespace Warden.Server.Tests.Simulator;

/// <summary>The simulator's timing tests are only as good as the test clock, so it has tests of its own.</summary>
public sealed class ManualTimeProviderTests
{
    [Fact]
    public void Advance_ShortOfAndThenPastDueTime_FiresOnceAtTheDueTime()
    {
        var clock = new ManualTimeProvider();
        var start = clock.GetUtcNow();
        var firedAt = new List<DateTimeOffset>();
        using var timer = clock.CreateTimer(_ => firedAt.Add(clock.GetUtcNow()), null, TimeSpan.FromMilliseconds(300), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromMilliseconds(299));
        Assert.Empty(firedAt);
        Assert.Equal(TimeSpan.FromMilliseconds(1), Assert.Single(clock.PendingTimers).DueAt - clock.GetUtcNow());

        clock.Advance(TimeSpan.FromMilliseconds(500));

        Assert.Equal([start + TimeSpan.FromMilliseconds(300)], firedAt);
        Assert.Equal(start + TimeSpan.FromMilliseconds(799), clock.GetUtcNow());
        Assert.Empty(clock.PendingTimers);
        Assert.Equal([TimeSpan.FromMilliseconds(300)], clock.ArmedTimers);
    }

    [Fact]
    public void Change_InfiniteOrDisposed_NeverFires()
    {
        var clock = new ManualTimeProvider();
        var fired = 0;
        var disarmed = clock.CreateTimer(_ => fired++, null, TimeSpan.FromMilliseconds(10), Timeout.InfiniteTimeSpan);
        var disposed = clock.CreateTimer(_ => fired++, null, TimeSpan.FromMilliseconds(10), Timeout.InfiniteTimeSpan);

        Assert.True(disarmed.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        disposed.Dispose();
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0, fired);
        Assert.Empty(clock.PendingTimers);
        Assert.False(disposed.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        disarmed.Dispose();
    }

    [Fact]
    public async Task TaskDelay_OnTheManualClock_CompletesOnlyWhenAdvancedAndForgetsCancelledWaits()
    {
        var clock = new ManualTimeProvider();
        using var cancellation = new CancellationTokenSource();
        var delay = Task.Delay(TimeSpan.FromMilliseconds(50), clock, CancellationToken.None);
        var cancelled = Task.Delay(TimeSpan.FromMilliseconds(70), clock, cancellation.Token);

        var pending = await clock.WaitForPendingTimerAsync(TimeSpan.FromMilliseconds(50));
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromMilliseconds(50), pending.DueAt);
        Assert.False(delay.IsCompleted);
        await cancellation.CancelAsync();
        clock.Advance(TimeSpan.FromMilliseconds(50));

        Assert.True(delay.IsCompletedSuccessfully);
        Assert.True(cancelled.IsCanceled);
        Assert.Empty(clock.PendingTimers);
    }
}
