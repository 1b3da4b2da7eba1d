using Warden.Core.Providers;
using Warden.Server.Routing;
using Warden.Server.Tests.Simulator;

namespace Warden.Server.Tests.Routing;

public sealed class UpstreamHealthTests
{
    private const string Key = "key-a";
    private static readonly HealthOptions Options = new()
    {
        FailuresToOpen = 3,
        OpenFor = TimeSpan.FromSeconds(30),
        DefaultCoolDown = TimeSpan.FromSeconds(5),
        MaxCoolDown = TimeSpan.FromMinutes(10),
        LatencyAlpha = 0.2,
    };

    private readonly ManualTimeProvider _clock = new();
    private readonly UpstreamHealth _health;

    public UpstreamHealthTests()
    {
        _health = new UpstreamHealth(_clock, Options);
    }

    [Fact]
    public void UnknownKey_IsClosedAndAdmissible()
    {
        Assert.True(_health.IsAdmissible(Key));
        Assert.Null(_health.AvailableIn(Key));
        Assert.Null(_health.LatencyMs(Key));
        Assert.Equal(new KeyHealthSnapshot("closed", 0, null, null, null), _health.Snapshot(Key));
    }

    [Fact]
    public void ReportFailure_ConsecutiveFailuresReachThreshold_OpensCircuit()
    {
        Fail(UpstreamErrorKind.ServerError);
        Fail(UpstreamErrorKind.Timeout);
        Assert.True(_health.IsAdmissible(Key));
        Assert.Equal("closed", _health.Snapshot(Key).State);
        Assert.Equal(2, _health.Snapshot(Key).ConsecutiveFailures);

        Fail(UpstreamErrorKind.ConnectFailed);

        Assert.False(_health.IsAdmissible(Key));
        Assert.False(_health.TryBeginAttempt(Key));
        Assert.Equal(Options.OpenFor, _health.AvailableIn(Key));
        var snapshot = _health.Snapshot(Key);
        Assert.Equal("open", snapshot.State);
        Assert.Equal(3, snapshot.ConsecutiveFailures);
        Assert.Equal(_clock.GetUtcNow() + Options.OpenFor, snapshot.OpenUntil);
    }

    [Fact]
    public void ReportSuccess_BetweenFailures_RestartsTheCount()
    {
        Fail(UpstreamErrorKind.ServerError);
        Fail(UpstreamErrorKind.ServerError);
        _health.ReportSuccess(Key, TimeSpan.FromMilliseconds(100));
        Fail(UpstreamErrorKind.ServerError);
        Fail(UpstreamErrorKind.ServerError);

        Assert.True(_health.IsAdmissible(Key));
        Assert.Equal(2, _health.Snapshot(Key).ConsecutiveFailures);
    }

    [Fact]
    public void OpenCircuit_AfterOpenFor_IsHalfOpenAndAdmitsExactlyOneProbe()
    {
        OpenCircuit();
        _clock.Advance(Options.OpenFor - TimeSpan.FromMilliseconds(1));
        Assert.False(_health.IsAdmissible(Key));
        Assert.Equal(TimeSpan.FromMilliseconds(1), _health.AvailableIn(Key));

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(_health.IsAdmissible(Key));
        Assert.Equal("half-open", _health.Snapshot(Key).State);

        Assert.True(_health.TryBeginAttempt(Key));
        Assert.False(_health.TryBeginAttempt(Key));
        Assert.False(_health.IsAdmissible(Key));
        Assert.NotNull(_health.AvailableIn(Key));
    }

    [Fact]
    public void HalfOpen_RacingRequests_OnlyOneWinsTheProbe()
    {
        OpenCircuit();
        _clock.Advance(Options.OpenFor);
        int winners = 0;

        Parallel.For(0, 1000, _ =>
        {
            if (_health.TryBeginAttempt(Key))
            {
                Interlocked.Increment(ref winners);
            }
        });

        Assert.Equal(1, winners);
    }

    [Fact]
    public void HalfOpen_ProbeSucceeds_ClosesCircuit()
    {
        OpenCircuit();
        _clock.Advance(Options.OpenFor);
        Assert.True(_health.TryBeginAttempt(Key));

        _health.ReportSuccess(Key, TimeSpan.FromMilliseconds(250));

        Assert.Equal(new KeyHealthSnapshot("closed", 0, null, null, 250), _health.Snapshot(Key));
        Assert.True(_health.TryBeginAttempt(Key));
        Assert.True(_health.TryBeginAttempt(Key));
    }

    [Fact]
    public void HalfOpen_ProbeFails_ReopensForOpenFor()
    {
        OpenCircuit();
        _clock.Advance(Options.OpenFor + TimeSpan.FromSeconds(3));
        Assert.True(_health.TryBeginAttempt(Key));

        Fail(UpstreamErrorKind.ServerError);

        Assert.False(_health.IsAdmissible(Key));
        Assert.Equal("open", _health.Snapshot(Key).State);
        Assert.Equal(Options.OpenFor, _health.AvailableIn(Key));
        _clock.Advance(Options.OpenFor);
        Assert.True(_health.TryBeginAttempt(Key));
    }

    [Fact]
    public void HalfOpen_SingleFailureWithoutProbeClaim_StillReopens()
    {
        OpenCircuit();
        _clock.Advance(Options.OpenFor);

        Fail(UpstreamErrorKind.Timeout);

        Assert.Equal("open", _health.Snapshot(Key).State);
        Assert.Equal(Options.OpenFor, _health.AvailableIn(Key));
    }

    [Fact]
    public void OpenCircuit_StragglerFailureBeforeOpenForEnds_DoesNotPushTheProbeOut()
    {
        OpenCircuit();
        _clock.Advance(TimeSpan.FromSeconds(10));

        Fail(UpstreamErrorKind.ServerError);

        Assert.Equal(Options.OpenFor - TimeSpan.FromSeconds(10), _health.AvailableIn(Key));
    }

    [Fact]
    public void HalfOpen_ProbeAbandoned_NoHealthChangeAndNextProbeMayStart()
    {
        OpenCircuit();
        _clock.Advance(Options.OpenFor);
        Assert.True(_health.TryBeginAttempt(Key));

        _health.ReportAbandoned(Key);

        Assert.Equal("half-open", _health.Snapshot(Key).State);
        Assert.Equal(3, _health.Snapshot(Key).ConsecutiveFailures);
        Assert.True(_health.TryBeginAttempt(Key));
        Assert.False(_health.TryBeginAttempt(Key));
    }

    [Theory]
    [InlineData(UpstreamErrorKind.RequestRejected)]
    [InlineData(UpstreamErrorKind.ResponseTooLarge)]
    [InlineData(UpstreamErrorKind.RequestBodyDropped)]
    public void HalfOpen_ProbeEndsWithClientsOwnFault_NotAFailureButProbeEnds(UpstreamErrorKind kind)
    {
        OpenCircuit();
        _clock.Advance(Options.OpenFor);
        Assert.True(_health.TryBeginAttempt(Key));

        Fail(kind);

        Assert.Equal("half-open", _health.Snapshot(Key).State);
        Assert.Equal(3, _health.Snapshot(Key).ConsecutiveFailures);
        Assert.True(_health.TryBeginAttempt(Key));
    }

    [Theory]
    [InlineData(UpstreamErrorKind.RequestRejected)]
    [InlineData(UpstreamErrorKind.ResponseTooLarge)]
    [InlineData(UpstreamErrorKind.RequestBodyDropped)]
    public void ReportFailure_ClientsOwnFault_NeverOpensCircuit(UpstreamErrorKind kind)
    {
        for (int i = 0; i < 20; i++)
        {
            Fail(kind);
        }

        Assert.True(_health.IsAdmissible(Key));
        Assert.Equal(new KeyHealthSnapshot("closed", 0, null, null, null), _health.Snapshot(Key));
    }

    [Fact]
    public void RateLimited_WithRetryAfter_CoolsDownForExactlyThatLong()
    {
        Fail(UpstreamErrorKind.RateLimited, TimeSpan.FromSeconds(12));

        Assert.False(_health.IsAdmissible(Key));
        Assert.False(_health.TryBeginAttempt(Key));
        Assert.Equal(TimeSpan.FromSeconds(12), _health.AvailableIn(Key));
        var snapshot = _health.Snapshot(Key);
        Assert.Equal("cooling", snapshot.State);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromSeconds(12), snapshot.CoolingUntil);
        Assert.Equal(0, snapshot.ConsecutiveFailures);

        _clock.Advance(TimeSpan.FromSeconds(12) - TimeSpan.FromMilliseconds(1));
        Assert.False(_health.IsAdmissible(Key));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(_health.IsAdmissible(Key));
        Assert.Equal(new KeyHealthSnapshot("closed", 0, null, null, null), _health.Snapshot(Key));
    }

    [Fact]
    public void RateLimited_WithoutRetryAfter_CoolsDownForTheDefault()
    {
        Fail(UpstreamErrorKind.RateLimited);

        Assert.Equal(Options.DefaultCoolDown, _health.AvailableIn(Key));
    }

    [Fact]
    public void RateLimited_HugeRetryAfter_IsCappedAtMaxCoolDown()
    {
        Fail(UpstreamErrorKind.RateLimited, TimeSpan.FromHours(6));

        Assert.Equal(Options.MaxCoolDown, _health.AvailableIn(Key));
    }

    [Fact]
    public void RateLimited_ConcurrentRetryAfters_LatestEndWins()
    {
        Fail(UpstreamErrorKind.RateLimited, TimeSpan.FromSeconds(20));
        Fail(UpstreamErrorKind.RateLimited, TimeSpan.FromSeconds(3));

        Assert.Equal(TimeSpan.FromSeconds(20), _health.AvailableIn(Key));
    }

    [Fact]
    public void RateLimited_ManyTimes_NeverOpensCircuit()
    {
        for (int i = 0; i < 10; i++)
        {
            Fail(UpstreamErrorKind.RateLimited, TimeSpan.FromSeconds(1));
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.True(_health.IsAdmissible(Key));
        Assert.Equal(new KeyHealthSnapshot("closed", 0, null, null, null), _health.Snapshot(Key));
    }

    [Fact]
    public void Overloaded_WithRetryAfter_CountsAsFailureAndCoolsDown()
    {
        Fail(UpstreamErrorKind.Overloaded, TimeSpan.FromSeconds(8));

        Assert.Equal(TimeSpan.FromSeconds(8), _health.AvailableIn(Key));
        Assert.Equal(1, _health.Snapshot(Key).ConsecutiveFailures);

        Fail(UpstreamErrorKind.Overloaded, null);
        Fail(UpstreamErrorKind.Overloaded, null);
        Assert.Equal("open", _health.Snapshot(Key).State);
    }

    [Fact]
    public void Overloaded_WithoutRetryAfter_CountsButDoesNotCool()
    {
        Fail(UpstreamErrorKind.Overloaded);

        Assert.True(_health.IsAdmissible(Key));
        Assert.Equal(new KeyHealthSnapshot("closed", 1, null, null, null), _health.Snapshot(Key));
    }

    [Fact]
    public void ReportSuccess_Latency_IsExponentiallyWeightedAverage()
    {
        _health.ReportSuccess(Key, TimeSpan.FromMilliseconds(100));
        Assert.Equal(100, _health.LatencyMs(Key));

        _health.ReportSuccess(Key, TimeSpan.FromMilliseconds(200));

        Assert.Equal(120, _health.LatencyMs(Key)!.Value, precision: 9);
    }

    [Fact]
    public void Keys_AreIndependent()
    {
        OpenCircuit();
        Assert.True(_health.IsAdmissible("key-b"));
        Assert.True(_health.TryBeginAttempt("key-b"));
    }

    private void OpenCircuit()
    {
        for (int i = 0; i < Options.FailuresToOpen; i++)
        {
            Fail(UpstreamErrorKind.ServerError);
        }

        Assert.Equal("open", _health.Snapshot(Key).State);
    }

    private void Fail(UpstreamErrorKind kind, TimeSpan? retryAfter = null) => _health.ReportFailure(Key, kind, retryAfter);
}
