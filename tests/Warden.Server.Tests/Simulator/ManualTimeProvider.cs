namespace Warden.Server.Tests.Simulator;

/// <summary>
/// A clock that moves only when the test calls <see cref="Advance"/>. Timers fire synchronously inside
/// Advance, in due order, once the clock reaches their due time, so a test decides exactly when every
/// simulated wait ends and never measures real time. Every armed timer is recorded, so a test can also
/// check which waits were asked for and wait (with a bounded poll) until the code under test is blocked
/// on one.
/// </summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    /// <summary>How long <see cref="WaitForPendingTimerAsync"/> polls before failing: a hang guard, never an assertion on speed.</summary>
    private const int PollAttempts = 500;
    private const int PollStepMs = 10;

    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _pending = [];
    private readonly List<TimeSpan> _armed = [];
    private readonly DateTimeOffset _start;
    private DateTimeOffset _now;

    public ManualTimeProvider(DateTimeOffset start)
    {
        _start = start;
        _now = start;
    }

    public ManualTimeProvider()
        : this(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>The delay of every timer armed so far (by CreateTimer or Change with a finite due time), in order.</summary>
    public IReadOnlyList<TimeSpan> ArmedTimers
    {
        get
        {
            lock (_gate)
            {
                return _armed.ToArray();
            }
        }
    }

    /// <summary>The timers that have not fired, been disposed or been disarmed, soonest first.</summary>
    public IReadOnlyList<PendingTimer> PendingTimers
    {
        get
        {
            lock (_gate)
            {
                return _pending.Select(timer => new PendingTimer(timer.Delay, timer.DueAt)).OrderBy(timer => timer.DueAt).ToArray();
            }
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override long GetTimestamp()
    {
        lock (_gate)
        {
            return (_now - _start).Ticks;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>
    /// Moves the clock forward, firing (on the calling thread, outside the lock) every timer that falls
    /// due on the way, with the clock set to each timer's due time as it fires. Call from one thread.
    /// </summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_gate)
        {
            target = _now + by;
        }

        while (true)
        {
            ManualTimer? due;
            lock (_gate)
            {
                due = _pending.Where(timer => timer.DueAt <= target).MinBy(timer => timer.DueAt);
                if (due is null)
                {
                    _now = target;
                    return;
                }

                if (due.DueAt > _now)
                {
                    _now = due.DueAt;
                }

                if (due.Period > TimeSpan.Zero && due.Period != Timeout.InfiniteTimeSpan)
                {
                    due.DueAt += due.Period;
                }
                else
                {
                    _pending.Remove(due);
                }
            }

            due.Fire();
        }
    }

    /// <summary>
    /// Polls (at most ~5 s, in 10 ms steps) until a timer armed with exactly <paramref name="delay"/> is
    /// pending, i.e. until the code under test is blocked on it. The bound only stops a broken test from
    /// hanging; how quickly the timer appears is never asserted.
    /// </summary>
    public async Task<PendingTimer> WaitForPendingTimerAsync(TimeSpan delay)
    {
        for (var attempt = 0; attempt < PollAttempts; attempt++)
        {
            foreach (var timer in PendingTimers)
            {
                if (timer.Delay == delay)
                {
                    return timer;
                }
            }

            await Task.Delay(PollStepMs);
        }

        throw new TimeoutException(
            $"No pending timer of {delay.TotalMilliseconds} ms appeared within {PollAttempts} polls of {PollStepMs} ms. "
            + $"Pending: [{string.Join(", ", PendingTimers.Select(timer => timer.Delay.TotalMilliseconds + " ms"))}]; "
            + $"armed so far: [{string.Join(", ", ArmedTimers.Select(armed => armed.TotalMilliseconds + " ms"))}].");
    }

    /// <summary>A timer that has been armed and not yet fired: the delay it was armed with and when it falls due.</summary>
    public readonly record struct PendingTimer(TimeSpan Delay, DateTimeOffset DueAt);

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private bool _disposed;

        /// <summary>The due time it was last armed with; guarded by the owner's lock like the fields below.</summary>
        public TimeSpan Delay { get; private set; }

        public DateTimeOffset DueAt { get; set; }

        public TimeSpan Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            ValidateTimeout(dueTime, nameof(dueTime));
            ValidateTimeout(period, nameof(period));
            lock (owner._gate)
            {
                if (_disposed)
                {
                    return false;
                }

                owner._pending.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    return true;
                }

                Delay = dueTime;
                Period = period;
                DueAt = owner._now + dueTime;
                owner._pending.Add(this);
                owner._armed.Add(dueTime);
                return true;
            }
        }

        /// <summary>
        /// Runs the callback without the caller's SynchronizationContext (a real timer fires on the thread
        /// pool), so code resumed by it, such as the simulator's handler, does not post its later
        /// continuations to the test framework's context.
        /// </summary>
        public void Fire()
        {
            var context = SynchronizationContext.Current;
            SynchronizationContext.SetSynchronizationContext(null);
            try
            {
                callback(state);
            }
            finally
            {
                SynchronizationContext.SetSynchronizationContext(context);
            }
        }

        public void Dispose()
        {
            lock (owner._gate)
            {
                _disposed = true;
                owner._pending.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private static void ValidateTimeout(TimeSpan value, string name)
        {
            if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(name, value, "Must be non-negative or Timeout.InfiniteTimeSpan.");
            }
        }
    }
}
