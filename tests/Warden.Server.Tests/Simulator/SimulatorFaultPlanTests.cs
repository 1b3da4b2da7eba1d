using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

public sealed class SimulatorFaultPlanTests
{
    [Fact]
    public void TryCreate_NoFaults_IsEmpty()
    {
        Assert.True(SimulatorFaultPlan.TryCreate(null, [], out var plan, out _));

        Assert.Empty(plan.Faults);
        Assert.Null(plan.Description);
        Assert.Null(plan.ErrorStatus);
    }

    [Fact]
    public void TryCreate_HeaderList_ParsesEveryFaultWithItsParameter()
    {
        Assert.True(SimulatorFaultPlan.TryCreate("LATENCY-50, nousage,stall-7,pace-3,huge-2,disconnect-4,malformed", [], out var plan, out var error), error);

        Assert.Equal(50, plan.LatencyMs);
        Assert.True(plan.NoUsage);
        Assert.Equal(7, plan.StallMs);
        Assert.Equal(3, plan.PaceMs);
        Assert.Equal(2, plan.HugeKilobytes);
        Assert.Equal(4, plan.DisconnectAfterChunks);
        Assert.True(plan.Malformed);
        Assert.Equal("latency-50,nousage,stall-7,pace-3,huge-2,disconnect-4,malformed", plan.Description);
    }

    [Fact]
    public void TryCreate_Long_KeepsItsKilobytesApartFromHuge()
    {
        Assert.True(SimulatorFaultPlan.TryCreate("long-3", [], out var plan, out var error), error);

        Assert.Equal(3, plan.LongKilobytes);
        Assert.Null(plan.HugeKilobytes);
        Assert.Equal("long-3", plan.Description);
    }

    [Fact]
    public void TryCreate_SuffixAndHeaderOfSameKind_HeaderOverridesSuffix()
    {
        Assert.True(SimulatorFaultPlan.TryCreate("latency-9,500", ["latency-1", "429-3", "nousage"], out var plan, out _));

        Assert.Equal(9, plan.LatencyMs);
        Assert.Equal(SimulatorFaultKind.ServerError, plan.ErrorStatus?.Kind);
        Assert.True(plan.NoUsage);
        Assert.Equal("nousage,latency-9,500", plan.Description);
    }

    [Theory]
    [InlineData("disconnect", 0)]
    [InlineData("disconnect-3", 3)]
    public void TryCreate_DisconnectWithOrWithoutCount_DefaultsToZeroChunks(string header, int chunks)
    {
        Assert.True(SimulatorFaultPlan.TryCreate(header, [], out var plan, out _));

        Assert.Equal(chunks, plan.DisconnectAfterChunks);
    }

    [Theory]
    [InlineData("teleport", "teleport")]
    [InlineData("latency", "needs a parameter")]
    [InlineData("latency-abc", "not a non-negative integer")]
    [InlineData("latency--5", "not a non-negative integer")]
    [InlineData("stall-600001", "out of range")]
    [InlineData("huge-0", "out of range")]
    [InlineData("long-0", "out of range")]
    [InlineData("long", "needs a parameter")]
    [InlineData("nousage-1", "takes no parameter")]
    public void TryCreate_InvalidFault_ExplainsWhy(string header, string expected)
    {
        Assert.False(SimulatorFaultPlan.TryCreate(header, [], out _, out var error));

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
