using Microsoft.AspNetCore.Http;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

public sealed class SimulatorFaultPrefixTests
{
    [Theory]
    [InlineData("/_fault/500/v1/chat/completions", "500", "/v1/chat/completions")]
    [InlineData("/_fault/first-2:500,nousage/v1beta/models", "first-2:500,nousage", "/v1beta/models")]
    [InlineData("/_fault/500", "500", "")]
    public void TrySplitPath_PrefixedPath_SplitsSegmentAndRest(string path, string segment, string rest)
    {
        Assert.True(SimulatorFaultPrefix.TrySplitPath(new PathString(path), out var found, out var remaining));

        Assert.Equal(segment, found);
        Assert.Equal(rest, remaining.Value ?? "");
    }

    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/_faults/500/v1/models")]
    [InlineData("/_fault")]
    public void TrySplitPath_OtherPath_IsNotAPrefix(string path)
    {
        Assert.False(SimulatorFaultPrefix.TrySplitPath(new PathString(path), out _, out _));
    }

    [Fact]
    public void TryParse_FirstNWindow_SplitsCountAndFaults()
    {
        Assert.True(SimulatorFaultPrefix.TryParse("first-2:500,latency-30", out var prefix, out var error), error);

        Assert.Equal(2, prefix.FirstRequests);
        Assert.Equal(["500", "latency-30"], prefix.Faults);
        Assert.Equal("first-2:500,latency-30", prefix.Text);
    }

    [Fact]
    public void TryParse_PlainList_AppliesToEveryRequest()
    {
        Assert.True(SimulatorFaultPrefix.TryParse("latency-200, nousage", out var prefix, out var error), error);

        Assert.Null(prefix.FirstRequests);
        Assert.Equal(["latency-200", "nousage"], prefix.Faults);
    }

    [Theory]
    [InlineData("first-1000001:500")]
    [InlineData("first--1:500")]
    [InlineData("first-2500")]
    [InlineData("")]
    [InlineData("500,huge-0")]
    public void TryParse_Invalid_ExplainsWhy(string text)
    {
        Assert.False(SimulatorFaultPrefix.TryParse(text, out _, out var error));

        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void FaultPlan_PathSuffixHeader_LaterSourcesOverrideEarlierOnes()
    {
        Assert.True(SimulatorFaultPlan.TryCreate(["500", "latency-5", "nousage"], ["503", "latency-6"], "latency-7", out var plan, out var error), error);

        Assert.Equal(SimulatorFaultKind.Unavailable, plan.ErrorStatus?.Kind);
        Assert.Equal(7, plan.LatencyMs);
        Assert.True(plan.NoUsage);
        Assert.Equal("nousage,503,latency-7", plan.Description);
    }

    [Fact]
    public async Task Counters_ConcurrentNext_HandsOutEveryNumberOnce()
    {
        var counters = new SimulatorFaultCounters();

        var numbers = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => counters.Next("first-1:500"))));

        Assert.Equal(Enumerable.Range(1, 200), numbers.Order());
        Assert.Equal(200, counters.Count("first-1:500"));
        Assert.Equal(0, counters.Count("first-1:503"));
    }
}
