using System.Text.Json;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

public sealed class SimulatorJournalTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Journal_StreamedRequest_RecordsIncludeUsageAndReportedUsage(bool includeUsage)
    {
        await using var simulator = await ManualClockSimulator.StartAsync();
        var now = simulator.Clock.GetUtcNow();
        using var response = await SimulatorCalls.PostAsync(simulator.Client, SimulatorCalls.Request("journal me", stream: true, includeUsage: includeUsage));
        _ = await response.Content.ReadAsStringAsync();

        var entry = await simulator.WaitForEntryAsync(SimulatorCalls.ReadId(response));

        Assert.Equal("sim-small", entry.Model);
        Assert.True(entry.Stream);
        Assert.Equal(includeUsage, entry.IncludeUsage);
        Assert.Equal(SimulatorOutcome.Completed, entry.Outcome);
        Assert.Equal(200, entry.StatusCode);
        Assert.Null(entry.Fault);
        Assert.Equal(includeUsage, entry.Usage is not null);

        // Both timestamps come from the injected clock, which nothing advanced.
        Assert.Equal(now, entry.ReceivedAt);
        Assert.Equal(now, entry.FinishedAt);
    }

    [Fact]
    public async Task Journal_ClientCancelsMidStream_RecordsClientCancelled()
    {
        var pace = TimeSpan.FromMilliseconds(200);
        var partWay = TimeSpan.FromMilliseconds(150);
        await using var simulator = await ManualClockSimulator.StartAsync();
        using var cancellation = new CancellationTokenSource();
        using var response = await SimulatorCalls.PostAsync(
            simulator.Client,
            SimulatorCalls.Request("cancel me", stream: true, includeUsage: true),
            "pace-200",
            cancellation.Token);
        var id = SimulatorCalls.ReadId(response);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellation.Token);
        await using var events = new SseEventReader(stream, cancellation.Token);

        // Take the role chunk and, after one released pace, the first content chunk.
        Assert.NotNull(await simulator.FinishesAsync(events.NextAsync(), "the role chunk"));
        await simulator.Clock.WaitForPendingTimerAsync(pace);
        var second = events.NextAsync();
        simulator.Clock.Advance(pace);
        Assert.NotNull(await simulator.FinishesAsync(second, "the first content chunk"));

        // The third event is held by its pace; move part of the way through it (it must stay held),
        // then give up while a read is pending. That makes HttpClient close the connection, as a real
        // client giving up does (disposing a half-read response would instead drain it to the end).
        await simulator.Clock.WaitForPendingTimerAsync(pace);
        simulator.Clock.Advance(partWay);
        var held = Assert.Single(simulator.Clock.PendingTimers);
        Assert.Equal(pace - partWay, held.DueAt - simulator.Clock.GetUtcNow());
        var third = events.NextAsync();
        Assert.False(third.IsCompleted, "the third event arrived before its pace elapsed");
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => simulator.FinishesAsync(third, "the cancelled read"));

        var entry = await simulator.WaitForEntryAsync(id);

        Assert.Equal(2, events.Received.Count);
        Assert.Equal(SimulatorOutcome.ClientCancelled, entry.Outcome);
        Assert.True(entry.IncludeUsage);
        Assert.Null(entry.Usage);
        Assert.Equal("pace-200", entry.Fault);
        // The request ended while the third event's pace was still held: no more simulated time passed.
        Assert.Equal(pace + partWay, entry.FinishedAt - entry.ReceivedAt);
        Assert.Equal([pace, pace], simulator.Clock.ArmedTimers);
    }

    [Fact]
    public async Task JournalEndpoint_Get_ListsEntriesWithoutPromptOrAnswerText()
    {
        const string Secret = "zebra-unicorn-secret-prompt";
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request(Secret, model: "sim-large"), "nousage");
        var answer = SimulatorCalls.Content(JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
        var id = SimulatorCalls.ReadId(response);
        await SimulatorCalls.WaitForEntryAsync(fixture.Host.Journal, id);

        var journal = await _client.GetStringAsync("/_simulator/journal");
        var single = await _client.GetStringAsync($"/_simulator/journal/{id}");

        Assert.DoesNotContain(Secret, journal, StringComparison.Ordinal);
        Assert.DoesNotContain(answer, journal, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(journal);
        var entry = document.RootElement.GetProperty("data").EnumerateArray().Single(e => e.GetProperty("id").GetString() == id);
        Assert.Equal("sim-large", entry.GetProperty("model").GetString());
        Assert.Equal("nousage", entry.GetProperty("fault").GetString());
        Assert.Equal("Completed", entry.GetProperty("outcome").GetString());
        Assert.False(entry.GetProperty("stream").GetBoolean());
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("usage").ValueKind);
        Assert.Equal(entry.GetRawText(), JsonDocument.Parse(single).RootElement.GetRawText());
    }

    [Fact]
    public async Task JournalEndpoint_UnknownId_Returns404()
    {
        using var response = await _client.GetAsync("/_simulator/journal/simreq_missing");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public void Journal_MoreThanCapacity_KeepsOnlyTheNewestEntries()
    {
        var journal = new SimulatorJournal();
        var now = DateTimeOffset.UnixEpoch;
        for (var i = 0; i < SimulatorJournal.DefaultCapacity + 5; i++)
        {
            journal.Add(new SimulatorJournalEntry($"r{i}", "sim-small", false, false, null, SimulatorOutcome.Completed, 200, null, now, now));
        }

        var snapshot = journal.Snapshot();

        Assert.Equal(10_000, snapshot.Count);
        Assert.Equal("r5", snapshot[0].SimRequestId);
        Assert.Equal("r10004", snapshot[^1].SimRequestId);
        Assert.Null(journal.Find("r4"));
        Assert.NotNull(journal.Find("r5"));
    }

    [Fact]
    public async Task Journal_ConcurrentWriters_LoseNoEntries()
    {
        var journal = new SimulatorJournal();
        var now = DateTimeOffset.UnixEpoch;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++)
            {
                journal.Add(new SimulatorJournalEntry($"w{writer}-{i}", null, false, false, null, SimulatorOutcome.Completed, 200, null, now, now));
                _ = journal.Snapshot();
            }
        })));

        Assert.Equal(4000, journal.Snapshot().Count);
        Assert.NotNull(journal.Find("w7-499"));
    }
}
