using System.Text.Json;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

public sealed class SimulatorMidstreamErrorTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    [Theory]
    [InlineData("midstream-error")]
    [InlineData("MIDSTREAM-ERROR")]
    public void FaultPlan_MidstreamError_ParsesAsOneFault(string header)
    {
        Assert.True(SimulatorFaultPlan.TryCreate(header, ["latency-5"], out var plan, out var error), error);

        Assert.True(plan.MidstreamError);
        Assert.Equal("latency-5,midstream-error", plan.Description);
    }

    [Fact]
    public void FaultPlan_MidstreamWithOtherSuffix_IsRejected()
    {
        Assert.False(SimulatorFaultPlan.TryCreate("midstream-oops", [], out _, out var error));
        Assert.Contains("midstream-error", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_MidstreamError_SendsErrorChunkAfterSomeContentAndNoDone()
    {
        var events = await SimulatorCalls.StreamAsync(fixture.Client, SimulatorCalls.Request("fail halfway", stream: true), "midstream-error");

        Assert.DoesNotContain("[DONE]", events);
        var chunks = events[..^1].Select(data => JsonDocument.Parse(data)).ToArray();
        Assert.True(SimulatorCalls.Concat(chunks, "content").Length > 0);
        using var error = JsonDocument.Parse(events[^1]);
        Assert.Equal("server_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        foreach (var chunk in chunks)
        {
            chunk.Dispose();
        }
    }

    [Fact]
    public async Task Chat_MidstreamErrorNonStreamed_Returns500()
    {
        using var response = await SimulatorCalls.PostAsync(fixture.Client, SimulatorCalls.Request("fail"), "midstream-error");

        Assert.Equal(500, (int)response.StatusCode);
        Assert.Equal(SimulatorOutcome.Faulted, (await SimulatorCalls.WaitForEntryAsync(fixture.Host.Journal, SimulatorCalls.ReadId(response))).Outcome);
    }
}
