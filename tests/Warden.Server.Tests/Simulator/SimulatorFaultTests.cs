using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

public sealed class SimulatorFaultTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Theory]
    [InlineData("429", null)]
    [InlineData("429-7", "7")]
    [InlineData("429-0", null)]
    public async Task ChatCompletions_RateLimitFault_Returns429WithExpectedRetryAfter(string fault, string? retryAfter)
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("hi"), fault);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        if (retryAfter is null)
        {
            Assert.False(response.Headers.Contains("Retry-After"));
        }
        else
        {
            Assert.Equal(retryAfter, Assert.Single(response.Headers.GetValues("Retry-After")));
        }

        var error = await ReadErrorAsync(response);
        Assert.Equal("rate_limit_exceeded", error.GetProperty("type").GetString());
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        var entry = await SimulatorCalls.WaitForEntryAsync(fixture.Host.Journal, SimulatorCalls.ReadId(response));
        Assert.Equal(SimulatorOutcome.Faulted, entry.Outcome);
        Assert.Equal(fault, entry.Fault);
    }

    [Theory]
    [InlineData("500", 500, null)]
    [InlineData("503", 503, "1")]
    [InlineData("529", 529, null)]
    public async Task ChatCompletions_ServerErrorFault_ReturnsStatusWithOpenAiErrorBody(string fault, int status, string? retryAfter)
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("hi", stream: true), fault);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(retryAfter, response.Headers.TryGetValues("Retry-After", out var values) ? Assert.Single(values) : null);
        var error = await ReadErrorAsync(response);
        Assert.Contains(fault, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task ChatCompletions_FaultInModelSuffix_AppliesAndIsStrippedFromModel()
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("hi", model: "sim-small~429"));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);

        using var completion = await SimulatorCalls.CompleteAsync(_client, SimulatorCalls.Request("hi", model: "sim-large~latency-1~nousage"));
        Assert.Equal("sim-large", completion.RootElement.GetProperty("model").GetString());
        Assert.False(completion.RootElement.TryGetProperty("usage", out _));
    }

    [Fact]
    public async Task ChatCompletions_HeaderAndSuffixFaults_HeaderWins()
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("hi", model: "sim-small~500"), "503");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("503", (await SimulatorCalls.WaitForEntryAsync(fixture.Host.Journal, SimulatorCalls.ReadId(response))).Fault);
    }

    [Fact]
    public async Task ChatCompletions_CommaSeparatedHeaderFaults_AllApply()
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("hi"), "latency-5, nousage");
        using var completion = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(completion.RootElement.TryGetProperty("usage", out _));
        var entry = await SimulatorCalls.WaitForEntryAsync(fixture.Host.Journal, SimulatorCalls.ReadId(response));
        Assert.Equal("latency-5,nousage", entry.Fault);
        Assert.Equal(SimulatorOutcome.Completed, entry.Outcome);
        Assert.Null(entry.Usage);
    }

    [Theory]
    [InlineData("explode", null)]
    [InlineData(null, "sim-small~explode-3")]
    [InlineData("latency", null)]
    [InlineData("500-2", null)]
    public async Task ChatCompletions_UnknownOrInvalidFault_Returns400NamingTheFault(string? header, string? model)
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("hi", model: model ?? "sim-small"), header);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ReadErrorAsync(response);
        var named = (header ?? model!.Split('~')[1]).Split('-')[0];
        Assert.Contains(named, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChatCompletions_LatencyFault_WaitsNSimulatedMsBeforeAnything(bool stream)
    {
        var latency = TimeSpan.FromMilliseconds(300);
        await using var simulator = await ManualClockSimulator.StartAsync();

        var sending = SimulatorCalls.PostAsync(simulator.Client, SimulatorCalls.Request("slow", stream: stream), "latency-300");

        // The simulator is parked on exactly one 300 ms wait and has sent nothing, not even headers.
        await simulator.Clock.WaitForPendingTimerAsync(latency);
        Assert.Equal([latency], simulator.Clock.ArmedTimers);
        Assert.False(sending.IsCompleted, "the response started before the latency elapsed");

        simulator.Clock.Advance(latency);

        using var response = await simulator.FinishesWithoutWaitingAsync(sending, "the response after the latency");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        if (stream)
        {
            var events = await simulator.FinishesWithoutWaitingAsync(SimulatorCalls.ReadEventsAsync(response), "the rest of the stream");
            Assert.Equal("[DONE]", events[^1]);
            Assert.StartsWith("Simulated", SimulatorCalls.Concat(SimulatorCalls.ParseChunks(events), "content"), StringComparison.Ordinal);
        }
        else
        {
            using var completion = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.StartsWith("Simulated", SimulatorCalls.Content(completion), StringComparison.Ordinal);
        }

        var entry = await simulator.WaitForEntryAsync(SimulatorCalls.ReadId(response));
        Assert.Equal(SimulatorOutcome.Completed, entry.Outcome);
        Assert.Equal("latency-300", entry.Fault);
        Assert.Equal(latency, entry.FinishedAt - entry.ReceivedAt);
        Assert.Equal([latency], simulator.Clock.ArmedTimers);
        Assert.Empty(simulator.Clock.PendingTimers);
    }

    [Fact]
    public async Task ChatCompletions_StallFaultStreamed_PausesOnceAfterTheFirstChunk()
    {
        var stall = TimeSpan.FromMilliseconds(400);
        await using var simulator = await ManualClockSimulator.StartAsync();
        using var response = await SimulatorCalls.PostAsync(simulator.Client, SimulatorCalls.Request("stall", stream: true), "stall-400");
        await using var stream = await response.Content.ReadAsStreamAsync();
        await using var events = new SseEventReader(stream);

        // The role chunk comes straight away: nothing waits before it.
        var first = await simulator.FinishesAsync(events.NextAsync(), "the first event");
        using (var role = JsonDocument.Parse(first!))
        {
            Assert.Equal("assistant", SimulatorCalls.Choice(role).GetProperty("delta").GetProperty("role").GetString());
        }

        // Then the simulator is parked on exactly one 400 ms wait and the second event has not come.
        await simulator.Clock.WaitForPendingTimerAsync(stall);
        Assert.Equal([stall], simulator.Clock.ArmedTimers);
        var second = events.NextAsync();
        Assert.False(second.IsCompleted, "the second event arrived before the stall elapsed");

        simulator.Clock.Advance(stall);

        // Only the first gap stalls: every other event arrives without the simulator waiting again.
        Assert.NotNull(await simulator.FinishesWithoutWaitingAsync(second, "the second event"));
        while (await simulator.FinishesWithoutWaitingAsync(events.NextAsync(), $"event {events.Received.Count + 1}") is not null)
        {
        }

        Assert.Equal("[DONE]", events.Received[^1]);
        Assert.True(events.Received.Count >= 4, $"role, content, finish and [DONE] expected: {events.Received.Count} events");
        Assert.Equal([stall], simulator.Clock.ArmedTimers);
        Assert.Empty(simulator.Clock.PendingTimers);
        var entry = await simulator.WaitForEntryAsync(SimulatorCalls.ReadId(response));
        Assert.Equal(SimulatorOutcome.Completed, entry.Outcome);
        Assert.Equal(stall, entry.FinishedAt - entry.ReceivedAt);
    }

    [Fact]
    public async Task ChatCompletions_DisconnectFaultStreamed_AbortsAfterNContentChunks()
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("cut me off", stream: true), "disconnect-2");
        await using var stream = await response.Content.ReadAsStreamAsync();
        var events = new List<string>();

        var failure = await Record.ExceptionAsync(async () =>
        {
            await foreach (var item in SseParser.Create(stream).EnumerateAsync())
            {
                events.Add(item.Data);
            }
        });

        Assert.IsAssignableFrom<IOException>(failure);
        var chunks = SimulatorCalls.ParseChunks(events);
        Assert.Equal(3, chunks.Length);
        Assert.DoesNotContain("[DONE]", events);
        Assert.All(chunks, chunk => Assert.Equal(JsonValueKind.Null, SimulatorCalls.Choice(chunk).GetProperty("finish_reason").ValueKind));
        Assert.Equal(2, chunks.Count(chunk => SimulatorCalls.Choice(chunk).GetProperty("delta").TryGetProperty("content", out var c) && c.GetString()!.Length > 0));
        Assert.Equal(SimulatorOutcome.Faulted, (await SimulatorCalls.WaitForEntryAsync(fixture.Host.Journal, SimulatorCalls.ReadId(response))).Outcome);
    }

    [Fact]
    public async Task ChatCompletions_DisconnectFaultNonStreamed_AbortsBeforeAnyResponse()
    {
        var failure = await Record.ExceptionAsync(() => SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("gone"), "disconnect-0"));

        Assert.IsType<HttpRequestException>(failure);
    }

    [Fact]
    public async Task ChatCompletions_MalformedFaultStreamed_SendsBrokenEventAndNoDone()
    {
        var events = await SimulatorCalls.StreamAsync(_client, SimulatorCalls.Request("break it", stream: true), "malformed");

        Assert.Equal(2, events.Count);
        using var first = JsonDocument.Parse(events[0]);
        Assert.Equal("assistant", SimulatorCalls.Choice(first).GetProperty("delta").GetProperty("role").GetString());
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(events[1]));
        Assert.StartsWith("{\"id\":", events[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletions_MalformedFaultNonStreamed_Sends200WithTruncatedJson()
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("break it"), "malformed");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("{\"id\":\"chatcmpl-", body, StringComparison.Ordinal);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(body));
    }

    [Fact]
    public async Task ChatCompletions_NoUsageFaultStreamed_OmitsUsageEvenWhenAsked()
    {
        var events = await SimulatorCalls.StreamAsync(_client, SimulatorCalls.Request("frugal", stream: true, includeUsage: true), "nousage");

        var chunks = SimulatorCalls.ParseChunks(events);
        Assert.Equal("[DONE]", events[^1]);
        Assert.All(chunks, chunk => Assert.False(chunk.RootElement.TryGetProperty("usage", out _)));
        Assert.All(chunks, chunk => Assert.Equal(1, chunk.RootElement.GetProperty("choices").GetArrayLength()));
        Assert.Equal("stop", SimulatorCalls.Choice(chunks[^1]).GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task ChatCompletions_HugeFault_AnswersWithNKilobytesOfContent()
    {
        using var completion = await SimulatorCalls.CompleteAsync(_client, SimulatorCalls.Request("big"), "huge-64");
        var content = SimulatorCalls.Content(completion);

        Assert.Equal(64 * 1024, content.Length);
        Assert.StartsWith("Simulated ", content, StringComparison.Ordinal);
        Assert.Equal(64 * 1024 / 4, completion.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());

        var streamed = SimulatorCalls.ParseChunks(await SimulatorCalls.StreamAsync(_client, SimulatorCalls.Request("big", stream: true), "huge-64"));
        Assert.Equal(content, SimulatorCalls.Concat(streamed, "content"));
    }

    [Fact]
    public async Task ChatCompletions_PaceFault_WaitsNMsBeforeEveryEventButTheFirst()
    {
        var pace = TimeSpan.FromMilliseconds(20);
        await using var simulator = await ManualClockSimulator.StartAsync();
        using var whole = await SimulatorCalls.CompleteAsync(simulator.Client, SimulatorCalls.Request("pace"));
        Assert.Empty(simulator.Clock.ArmedTimers);

        using var response = await SimulatorCalls.PostAsync(simulator.Client, SimulatorCalls.Request("pace", stream: true), "pace-20");
        await using var stream = await response.Content.ReadAsStreamAsync();
        await using var events = new SseEventReader(stream);
        Assert.NotNull(await simulator.FinishesAsync(events.NextAsync(), "the first event"));

        // Each later event, [DONE] included, is held back by its own 20 ms wait until the test releases it.
        while (events.Received[^1] != "[DONE]")
        {
            await simulator.Clock.WaitForPendingTimerAsync(pace);
            Assert.Single(simulator.Clock.PendingTimers);
            Assert.Equal(events.Received.Count, simulator.Clock.ArmedTimers.Count);
            var next = events.NextAsync();
            Assert.False(next.IsCompleted, $"event {events.Received.Count + 1} arrived before its pace elapsed");

            simulator.Clock.Advance(pace);

            Assert.NotNull(await simulator.FinishesAsync(next, $"event {events.Received.Count + 1}"));
        }

        Assert.Null(await simulator.FinishesWithoutWaitingAsync(events.NextAsync(), "the end of the stream"));
        Assert.Equal(events.Received.Count - 1, simulator.Clock.ArmedTimers.Count);
        Assert.All(simulator.Clock.ArmedTimers, armed => Assert.Equal(pace, armed));
        Assert.Empty(simulator.Clock.PendingTimers);
        Assert.Equal(SimulatorCalls.Content(whole), SimulatorCalls.Concat(SimulatorCalls.ParseChunks(events.Received), "content"));
        var entry = await simulator.WaitForEntryAsync(SimulatorCalls.ReadId(response));
        Assert.Equal(SimulatorOutcome.Completed, entry.Outcome);
        Assert.Equal(pace * (events.Received.Count - 1), entry.FinishedAt - entry.ReceivedAt);
    }

    private static async Task<JsonElement> ReadErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("error").Clone();
    }
}
