using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

public sealed class SimulatorHostTests
{
    [Fact]
    public async Task StartAsync_EphemeralPort_ExposesLoopbackBaseUrlWithV1Segment()
    {
        await using var host = await SimulatorHost.StartAsync(new SimulatorOptions(), CancellationToken.None);

        Assert.Equal("http", host.BaseUrl.Scheme);
        Assert.Equal("127.0.0.1", host.BaseUrl.Host);
        Assert.NotEqual(0, host.BaseUrl.Port);
        Assert.Equal("/v1/", host.BaseUrl.AbsolutePath);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("192.168.1.10")]
    [InlineData("example.com")]
    public async Task StartAsync_NonLoopbackHost_Throws(string hostName)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => SimulatorHost.StartAsync(new SimulatorOptions { Host = hostName }, CancellationToken.None));
    }

    [Fact]
    public async Task StartAsync_InvalidChunkChars_Throws()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SimulatorHost.StartAsync(new SimulatorOptions { ChunkChars = 0 }, CancellationToken.None));
    }

    [Fact]
    public async Task WaitForShutdownAsync_TokenCancelled_StopsTheServer()
    {
        await using var host = await SimulatorHost.StartAsync(new SimulatorOptions(), CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var waiting = host.WaitForShutdownAsync(stop.Token);
        Assert.False(waiting.IsCompleted);

        await stop.CancelAsync();
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));

#pragma warning disable RS0030 // A plain client against the real simulator; no product HttpClient policy applies.
        using var client = new HttpClient { BaseAddress = host.BaseUrl };
#pragma warning restore RS0030
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("models"));
    }

    [Fact]
    public async Task DisposeAsync_WhileStreamIsStalled_StopsWithoutWaitingForTheStallAndJournalsServerStopped()
    {
        var stall = TimeSpan.FromMilliseconds(600_000);
        await using var simulator = await ManualClockSimulator.StartAsync();
        using var response = await SimulatorCalls.PostAsync(simulator.Client, SimulatorCalls.Request("stalled", stream: true), "stall-600000");
        var id = SimulatorCalls.ReadId(response);
        await using var stream = await response.Content.ReadAsStreamAsync();
        await using var events = new SseEventReader(stream);
        Assert.NotNull(await simulator.FinishesAsync(events.NextAsync(), "the role chunk"));
        await simulator.Clock.WaitForPendingTimerAsync(stall);
        var stalledAt = simulator.Clock.GetUtcNow();

        // The clock is never advanced, so the stall cannot end: disposal finishes only because shutdown
        // cancels the stall (its timer is gone, not fired) rather than waiting it out.
        await simulator.Host.DisposeAsync();

        Assert.Equal(stalledAt, simulator.Clock.GetUtcNow());
        Assert.Empty(simulator.Clock.PendingTimers);
        Assert.Equal([stall], simulator.Clock.ArmedTimers);
        var entry = simulator.Host.Journal.Find(id);
        Assert.Equal(SimulatorOutcome.ServerStopped, entry?.Outcome);
        Assert.Equal(entry?.ReceivedAt, entry?.FinishedAt);

        // The client is not left waiting: its stream breaks off without the rest of the answer.
        var failure = await Record.ExceptionAsync(async () =>
        {
            while (await simulator.FinishesAsync(events.NextAsync(), "the end of the stopped stream") is not null)
            {
            }
        });
        Assert.IsAssignableFrom<IOException>(failure);
        Assert.DoesNotContain("[DONE]", events.Received);
    }
}
