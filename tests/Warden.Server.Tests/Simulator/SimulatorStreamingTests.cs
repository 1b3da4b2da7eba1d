using System.Text.Json;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

public sealed class SimulatorStreamingTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task ChatCompletions_StreamWithIncludeUsage_SendsRoleContentFinishUsageThenDone()
    {
        const string Prompt = "Stream me an answer";
        using var whole = await SimulatorCalls.CompleteAsync(_client, SimulatorCalls.Request(Prompt));

        var events = await SimulatorCalls.StreamAsync(_client, SimulatorCalls.Request(Prompt, stream: true, includeUsage: true));

        Assert.Equal("[DONE]", events[^1]);
        Assert.Single(events, data => data == "[DONE]");
        var chunks = SimulatorCalls.ParseChunks(events);
        Assert.True(chunks.Length >= 4, "role, content, finish and usage chunks expected");
        Assert.All(chunks, chunk =>
        {
            Assert.Equal("chat.completion.chunk", chunk.RootElement.GetProperty("object").GetString());
            Assert.Equal(chunks[0].RootElement.GetProperty("id").GetString(), chunk.RootElement.GetProperty("id").GetString());
            Assert.Equal("sim-small", chunk.RootElement.GetProperty("model").GetString());
            Assert.Equal("fp_warden_sim", chunk.RootElement.GetProperty("system_fingerprint").GetString());
        });

        var roleDelta = SimulatorCalls.Choice(chunks[0]).GetProperty("delta");
        Assert.Equal("assistant", roleDelta.GetProperty("role").GetString());
        Assert.Equal("", roleDelta.GetProperty("content").GetString());

        var contentChunks = chunks[1..^2];
        Assert.All(contentChunks, chunk =>
        {
            var piece = SimulatorCalls.Choice(chunk).GetProperty("delta").GetProperty("content").GetString()!;
            Assert.InRange(piece.Length, 1, SimulatorFixture.ChunkChars);
            Assert.Equal(JsonValueKind.Null, SimulatorCalls.Choice(chunk).GetProperty("finish_reason").ValueKind);
            Assert.Equal(JsonValueKind.Null, chunk.RootElement.GetProperty("usage").ValueKind);
        });
        Assert.Equal(SimulatorCalls.Content(whole), SimulatorCalls.Concat(contentChunks, "content"));

        var finish = SimulatorCalls.Choice(chunks[^2]);
        Assert.Equal("stop", finish.GetProperty("finish_reason").GetString());
        Assert.Empty(finish.GetProperty("delta").EnumerateObject());

        var usageChunk = chunks[^1].RootElement;
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        Assert.Equal(
            whole.RootElement.GetProperty("usage").GetRawText(),
            usageChunk.GetProperty("usage").GetRawText());
    }

    [Theory]
    [InlineData(null)]
    [InlineData(false)]
    public async Task ChatCompletions_StreamWithoutIncludeUsage_CarriesNoUsageAtAll(bool? includeUsage)
    {
        var events = await SimulatorCalls.StreamAsync(_client, SimulatorCalls.Request("No usage please", stream: true, includeUsage: includeUsage));

        Assert.Equal("[DONE]", events[^1]);
        var chunks = SimulatorCalls.ParseChunks(events);
        Assert.All(chunks, chunk => Assert.False(chunk.RootElement.TryGetProperty("usage", out _)));
        Assert.Equal("stop", SimulatorCalls.Choice(chunks[^1]).GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task ChatCompletions_StreamedTwice_IsDeterministic()
    {
        var first = await SimulatorCalls.StreamAsync(_client, SimulatorCalls.Request("Repeatable stream", stream: true));
        var second = await SimulatorCalls.StreamAsync(_client, SimulatorCalls.Request("Repeatable stream", stream: true));

        Assert.Equal(
            SimulatorCalls.Concat(SimulatorCalls.ParseChunks(first), "content"),
            SimulatorCalls.Concat(SimulatorCalls.ParseChunks(second), "content"));
        Assert.Equal(first.Count, second.Count);
    }

    [Fact]
    public async Task ChatCompletions_StreamFromFixedClock_UsesTimeProviderForCreated()
    {
        var now = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
        await using var host = await SimulatorHost.StartAsync(new SimulatorOptions { Time = new FixedClock(now) }, CancellationToken.None);
#pragma warning disable RS0030 // A plain client against the real simulator; no product HttpClient policy applies.
        using var client = new HttpClient { BaseAddress = host.BaseUrl };
#pragma warning restore RS0030

        var events = await SimulatorCalls.StreamAsync(client, SimulatorCalls.Request("clock", stream: true));

        Assert.All(SimulatorCalls.ParseChunks(events), chunk =>
            Assert.Equal(now.ToUnixTimeSeconds(), chunk.RootElement.GetProperty("created").GetInt64()));
        var entry = Assert.Single(host.Journal.Snapshot());
        Assert.Equal(now, entry.ReceivedAt);
        Assert.Equal(now, entry.FinishedAt);
    }

    [Fact]
    public async Task ChatCompletions_StreamSlowedByChunkDelay_DeliversEachChunkWhileTheNextIsStillHeld()
    {
        var delay = TimeSpan.FromMilliseconds(100);
        await using var simulator = await ManualClockSimulator.StartAsync(new SimulatorOptions { ChunkDelayMs = 100, ChunkChars = 400 });
        using var response = await SimulatorCalls.PostAsync(simulator.Client, SimulatorCalls.Request("flush me", stream: true));
        await using var stream = await response.Content.ReadAsStreamAsync();
        await using var events = new SseEventReader(stream);

        // role, one content chunk, finish, [DONE]. Each event must reach the client while the simulator
        // is still parked on the delay before the next one, which only the test can end: output
        // buffered until the end of the stream would never arrive here and the read would fail.
        Assert.NotNull(await simulator.FinishesAsync(events.NextAsync(), "the first event"));
        for (var released = 1; released < 4; released++)
        {
            await simulator.Clock.WaitForPendingTimerAsync(delay);
            Assert.Equal(released, simulator.Clock.ArmedTimers.Count);
            var next = events.NextAsync();
            Assert.False(next.IsCompleted, $"event {released + 1} arrived before its delay elapsed");

            simulator.Clock.Advance(delay);

            Assert.NotNull(await simulator.FinishesAsync(next, $"event {released + 1}"));
        }

        Assert.Null(await simulator.FinishesWithoutWaitingAsync(events.NextAsync(), "the end of the stream"));
        Assert.Equal(4, events.Received.Count);
        Assert.Equal("[DONE]", events.Received[^1]);
        Assert.Equal([delay, delay, delay], simulator.Clock.ArmedTimers);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
