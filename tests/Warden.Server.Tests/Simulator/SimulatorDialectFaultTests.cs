using System.Net;
using System.Text.Json;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

/// <summary>Every fault does what its name says in every dialect, streamed and not (docs/architecture.md, "The simulator").</summary>
public sealed class SimulatorDialectFaultTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    public static TheoryData<string, bool, string> StatusFaults()
    {
        var data = new TheoryData<string, bool, string>();
        foreach (var dialect in SimulatorDialectCase.Names)
        {
            foreach (var stream in new[] { false, true })
            {
                foreach (var fault in new[] { "429", "429-7", "500", "503", "529" })
                {
                    data.Add(dialect, stream, fault);
                }
            }
        }

        return data;
    }

    public static TheoryData<string, bool> DialectsStreamedOrNot() => SimulatorPathFaultTests.DialectsStreamedOrNot();

    public static TheoryData<string> Dialects() => [.. SimulatorDialectCase.Names];

    [Theory]
    [MemberData(nameof(StatusFaults))]
    public async Task StatusFault_AnswersStatusRetryAfterAndErrorKindOfTheDialect(string dialect, bool stream, string fault)
    {
        using var response = await SimulatorDialectCase.For(dialect).PostAsync(_client, "hi", stream, header: fault);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        var status = int.Parse(fault[..3], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var retryAfter = fault switch { "429-7" => "7", "503" => "1", _ => null };
        Assert.Equal(retryAfter, response.Headers.TryGetValues("Retry-After", out var values) ? Assert.Single(values) : null);
        var expectedKind = (dialect, status) switch
        {
            ("anthropic", 429) => "rate_limit_error",
            ("anthropic", 500) => "api_error",
            ("anthropic", _) => "overloaded_error",
            ("gemini", 429) => "RESOURCE_EXHAUSTED",
            ("gemini", 500) => "INTERNAL",
            ("gemini", _) => "UNAVAILABLE",
            (_, 429) => "rate_limit_exceeded",
            (_, 529) => "overloaded_error",
            _ => "server_error",
        };
        Assert.Equal(expectedKind, SimulatorDialectCase.ErrorKind(dialect, body.RootElement));
        var entry = await SimulatorDialectCalls.EntryAsync(fixture, response);
        Assert.Equal(SimulatorOutcome.Faulted, entry.Outcome);
        Assert.Equal(status, entry.StatusCode);
    }

    [Theory]
    [MemberData(nameof(DialectsStreamedOrNot))]
    public async Task Latency_HoldsStatusAndHeadersForNSimulatedMs(string dialect, bool stream)
    {
        var latency = TimeSpan.FromMilliseconds(250);
        var @case = SimulatorDialectCase.For(dialect);
        await using var simulator = await ManualClockSimulator.StartAsync();

        var sending = @case.PostAsync(simulator.Client, "slow", stream, header: "latency-250");

        await simulator.Clock.WaitForPendingTimerAsync(latency);
        Assert.False(sending.IsCompleted, "the status arrived before the latency elapsed");
        simulator.Clock.Advance(latency);
        using var response = await simulator.FinishesWithoutWaitingAsync(sending, "the response after the latency");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        _ = await simulator.FinishesWithoutWaitingAsync(response.Content.ReadAsStringAsync(), "the body");
        Assert.Equal([latency], simulator.Clock.ArmedTimers);
    }

    [Theory]
    [MemberData(nameof(DialectsStreamedOrNot))]
    public async Task Stall_StreamPausesOnceAfterItsFirstEvent_WholeAnswerWaitsBeforeAnything(string dialect, bool stream)
    {
        var stall = TimeSpan.FromMilliseconds(400);
        var @case = SimulatorDialectCase.For(dialect);
        await using var simulator = await ManualClockSimulator.StartAsync();
        var sending = @case.PostAsync(simulator.Client, "stall", stream, header: "stall-400");

        if (!stream)
        {
            await simulator.Clock.WaitForPendingTimerAsync(stall);
            Assert.False(sending.IsCompleted, "the status arrived before the stall elapsed");
            simulator.Clock.Advance(stall);
            using var whole = await simulator.FinishesWithoutWaitingAsync(sending, "the answer after the stall");
            Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
            Assert.Equal([stall], simulator.Clock.ArmedTimers);
            return;
        }

        using var response = await simulator.FinishesAsync(sending, "the stream's headers");
        await using var body = await response.Content.ReadAsStreamAsync();
        await using var events = new SseEventReader(body);
        Assert.NotNull(await simulator.FinishesAsync(events.NextAsync(), "the first event"));

        // Then exactly one stall-sized wait holds the rest of the stream, which does not end until it is released.
        await simulator.Clock.WaitForPendingTimerAsync(stall);
        Assert.Equal([stall], simulator.Clock.ArmedTimers);
        var rest = ReadRestAsync(events);
        Assert.False(rest.IsCompleted, "the stream ended before the stall elapsed");
        simulator.Clock.Advance(stall);
        var count = await simulator.FinishesWithoutWaitingAsync(rest, "the rest of the stream");

        Assert.True(count >= 2, $"only {count} events after the stall");
        Assert.Equal([stall], simulator.Clock.ArmedTimers);
        var entry = await simulator.WaitForEntryAsync(SimulatorCalls.ReadId(response));
        Assert.Equal(SimulatorOutcome.Completed, entry.Outcome);
        Assert.Equal(stall, entry.FinishedAt - entry.ReceivedAt);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task Disconnect_StreamedCutsAfterNContentChunks(string dialect)
    {
        var @case = SimulatorDialectCase.For(dialect);
        using var whole = await @case.PostAsync(_client, "a long enough answer to cut", stream: true);
        var full = @case.StreamedText(await SimulatorDialectCalls.ReadEventsAsync(whole));

        using var response = await @case.PostAsync(_client, "a long enough answer to cut", stream: true, header: "disconnect-2");
        var events = new List<SseEvent>();
        var failure = await SimulatorDialectCalls.ReadEventsUntilEndAsync(response, events);

        Assert.IsAssignableFrom<IOException>(failure);
        var pieces = @case.TextPieces(events);
        Assert.Equal(2, pieces.Count);
        Assert.True(full.Length > string.Concat(pieces).Length, "the whole answer arrived");
        Assert.StartsWith(string.Concat(pieces), full, StringComparison.Ordinal);
        Assert.Equal(SimulatorOutcome.Faulted, (await SimulatorDialectCalls.EntryAsync(fixture, response)).Outcome);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task Disconnect_NonStreamedAbortsBeforeAnyStatus(string dialect)
    {
        var failure = await Record.ExceptionAsync(() => SimulatorDialectCase.For(dialect).PostAsync(_client, "gone", stream: false, header: "disconnect-3"));

        Assert.IsType<HttpRequestException>(failure);
    }

    [Theory]
    [MemberData(nameof(DialectsStreamedOrNot))]
    public async Task Malformed_SendsJsonThatDoesNotParse(string dialect, bool stream)
    {
        var @case = SimulatorDialectCase.For(dialect);
        using var response = await @case.PostAsync(_client, "break", stream, header: "malformed");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string broken;
        if (stream)
        {
            var events = await SimulatorDialectCalls.ReadEventsAsync(response);
            Assert.All(events[..^1], e => e.Parse().Dispose());
            broken = events[^1].Data;
        }
        else
        {
            broken = await response.Content.ReadAsStringAsync();
        }

        Assert.StartsWith("{", broken, StringComparison.Ordinal);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(broken));
        Assert.Equal(SimulatorOutcome.Faulted, (await SimulatorDialectCalls.EntryAsync(fixture, response)).Outcome);
    }

    [Theory]
    [MemberData(nameof(DialectsStreamedOrNot))]
    public async Task Huge_AnswersNKilobytesOfText(string dialect, bool stream)
    {
        var @case = SimulatorDialectCase.For(dialect);
        using var response = await @case.PostAsync(_client, "big", stream, header: "huge-32");

        string text;
        if (stream)
        {
            text = @case.StreamedText(await SimulatorDialectCalls.ReadEventsAsync(response));
        }
        else
        {
            using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            text = @case.Text(answer);
        }

        Assert.Equal(32 * 1024, text.Length);
        Assert.StartsWith("Simulated ", text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task Long_StreamsNKilobytesOfText_InSmallPieces_WhereHugeUsesLargeOnes(string dialect)
    {
        var @case = SimulatorDialectCase.For(dialect);
        using var longResponse = await @case.PostAsync(_client, "big", stream: true, header: "long-4");
        var longPieces = @case.TextPieces(await SimulatorDialectCalls.ReadEventsAsync(longResponse));
        using var hugeResponse = await @case.PostAsync(_client, "big", stream: true, header: "huge-4");
        var hugePieces = @case.TextPieces(await SimulatorDialectCalls.ReadEventsAsync(hugeResponse));

        // The same text either way; long-N in pieces of the usual size (12 characters by default), so hundreds of events.
        Assert.Equal(string.Concat(hugePieces), string.Concat(longPieces));
        Assert.Equal(4 * 1024, string.Concat(longPieces).Length);
        Assert.True(longPieces.Count >= 4 * 1024 / 24, $"long-4 came in {longPieces.Count} pieces");
        Assert.True(hugePieces.Count <= 8, $"huge-4 came in {hugePieces.Count} pieces");
        Assert.All(longPieces, piece => Assert.True(piece.Length <= 24, $"a piece of {piece.Length} characters"));
    }

    private static async Task<int> ReadRestAsync(SseEventReader events)
    {
        var count = 0;
        while (await events.NextAsync() is not null)
        {
            count++;
        }

        return count;
    }
}
