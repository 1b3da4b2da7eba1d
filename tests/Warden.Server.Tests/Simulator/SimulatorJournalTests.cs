using System.Net.ServerSentEvents;
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
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("journal me", stream: true, includeUsage: includeUsage));
        _ = await response.Content.ReadAsStringAsync();

        var entry = await WaitForEntryAsync(SimulatorCalls.ReadId(response), _ => true);

        Assert.Equal("sim-small", entry.Model);
        Assert.True(entry.Stream);
        Assert.Equal(includeUsage, entry.IncludeUsage);
        Assert.Equal(SimulatorOutcome.Completed, entry.Outcome);
        Assert.Equal(200, entry.StatusCode);
        Assert.Null(entry.Fault);
        Assert.Equal(includeUsage, entry.Usage is not null);
        Assert.True(entry.FinishedAt >= entry.ReceivedAt);
    }

    [Fact]
    public async Task Journal_ClientCancelsMidStream_RecordsClientCancelled()
    {
        using var cancellation = new CancellationTokenSource();
        using var response = await SimulatorCalls.PostAsync(
            _client,
            SimulatorCalls.Request("cancel me", stream: true, includeUsage: true),
            "pace-200",
            cancellation.Token);
        var id = SimulatorCalls.ReadId(response);
        var received = 0;

        // Cancelling while a read is pending makes HttpClient close the connection, as a real client
        // giving up does (disposing a half-read response would instead drain the stream to the end).
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellation.Token);
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellation.Token))
            {
                if (++received == 2)
                {
                    cancellation.CancelAfter(TimeSpan.FromMilliseconds(50));
                }
            }
        });

        var entry = await WaitForEntryAsync(id, _ => true);

        Assert.Equal(2, received);
        Assert.Equal(SimulatorOutcome.ClientCancelled, entry.Outcome);
        Assert.True(entry.IncludeUsage);
        Assert.Null(entry.Usage);
        Assert.Equal("pace-200", entry.Fault);
        Assert.True(entry.FinishedAt > entry.ReceivedAt);
    }

    [Fact]
    public async Task JournalEndpoint_Get_ListsEntriesWithoutPromptOrAnswerText()
    {
        const string Secret = "zebra-unicorn-secret-prompt";
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request(Secret, model: "sim-large"), "nousage");
        var answer = SimulatorCalls.Content(JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
        var id = SimulatorCalls.ReadId(response);

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

    /// <summary>Entries land when the server-side handler finishes, which can trail the client by a moment.</summary>
    private async Task<SimulatorJournalEntry> WaitForEntryAsync(string id, Func<SimulatorJournalEntry, bool> ready)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (fixture.Host.Journal.Find(id) is { } entry && ready(entry))
            {
                return entry;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"No journal entry for {id} within 5 s: {fixture.Host.Journal.Find(id)}");
    }
}
