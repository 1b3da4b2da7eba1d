using System.Globalization;
using System.Text.Json;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

/// <summary>
/// The journal's CancelledAt: when the simulator saw its client (Warden, in relay tests) abandon a request, on the
/// injected clock, so a test can compare it with the moment Warden saw its own client go.
/// </summary>
public sealed class SimulatorCancellationTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    [Theory]
    [InlineData("chat")]
    [InlineData("responses")]
    [InlineData("anthropic")]
    [InlineData("gemini")]
    public async Task ClientCancelsPacedStream_JournalRecordsCancelledAtOnTheSimulatorsClock(string dialect)
    {
        var pace = TimeSpan.FromMilliseconds(50);
        var partWay = TimeSpan.FromMilliseconds(20);
        var @case = SimulatorDialectCase.For(dialect);
        await using var simulator = await ManualClockSimulator.StartAsync();
        using var cancellation = new CancellationTokenSource();
        using var response = await SimulatorDialectCalls.PostAsync(simulator.Client, @case.Path(stream: true), @case.Body("cancel me", stream: true), "pace-50");
        var id = SimulatorCalls.ReadId(response);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellation.Token);
        await using var events = new SseEventReader(stream, cancellation.Token);

        // One event, then the next is held by its pace; 20 ms into it the client gives up with a read pending,
        // which makes HttpClient drop the connection.
        Assert.NotNull(await simulator.FinishesAsync(events.NextAsync(), "the first event"));
        await simulator.Clock.WaitForPendingTimerAsync(pace);
        simulator.Clock.Advance(partWay);
        var held = events.NextAsync();
        var giveUpAt = simulator.Clock.GetUtcNow();
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => simulator.FinishesAsync(held, "the cancelled read"));

        var entry = await simulator.WaitForEntryAsync(id);

        Assert.Equal(SimulatorOutcome.ClientCancelled, entry.Outcome);
        Assert.Equal(giveUpAt, entry.CancelledAt);
        Assert.Equal(partWay, entry.CancelledAt - entry.ReceivedAt);
        Assert.True(entry.CancelledAt <= entry.FinishedAt);
        using var json = JsonDocument.Parse(await simulator.Client.GetStringAsync(new Uri("/_simulator/journal/" + id, UriKind.Relative)));
        Assert.Equal(giveUpAt, DateTimeOffset.Parse(json.RootElement.GetProperty("cancelled_at").GetString()!, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task ClientCancelsDuringLatency_CancelledAtIsSetBeforeAnyStatus()
    {
        var latency = TimeSpan.FromMilliseconds(100);
        await using var simulator = await ManualClockSimulator.StartAsync();
        using var cancellation = new CancellationTokenSource();
        var sending = SimulatorCalls.PostAsync(simulator.Client, SimulatorCalls.Request("never mind", stream: true), "latency-100", cancellation.Token);
        await simulator.Clock.WaitForPendingTimerAsync(latency);
        simulator.Clock.Advance(TimeSpan.FromMilliseconds(40));
        var giveUpAt = simulator.Clock.GetUtcNow();

        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => simulator.FinishesAsync(sending, "the cancelled request"));

        var entry = await WaitForOnlyEntryAsync(simulator.Host.Journal);
        Assert.Equal(SimulatorOutcome.ClientCancelled, entry.Outcome);
        Assert.Equal(0, entry.StatusCode);
        Assert.Equal(giveUpAt, entry.CancelledAt);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CompletedRequest_HasNoCancelledAt(bool stream)
    {
        using var response = await SimulatorCalls.PostAsync(fixture.Client, SimulatorCalls.Request("all of it", stream: stream), "pace-5");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains(stream ? "[DONE]" : "\"finish_reason\":\"stop\"", body, StringComparison.Ordinal);
        var id = SimulatorCalls.ReadId(response);

        var entry = await SimulatorCalls.WaitForEntryAsync(fixture.Host.Journal, id);

        Assert.Equal(SimulatorOutcome.Completed, entry.Outcome);
        Assert.Null(entry.CancelledAt);
        using var json = JsonDocument.Parse(await fixture.Client.GetStringAsync(new Uri("/_simulator/journal/" + id, UriKind.Relative)));
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("cancelled_at").ValueKind);
    }

    [Fact]
    public async Task DisconnectFault_SimulatorCutTheConnection_HasNoCancelledAt()
    {
        using var response = await SimulatorCalls.PostAsync(fixture.Client, SimulatorCalls.Request("cut", stream: true), "disconnect-1");
        var events = new List<SseEvent>();
        Assert.IsAssignableFrom<IOException>(await SimulatorDialectCalls.ReadEventsUntilEndAsync(response, events));

        var entry = await SimulatorDialectCalls.EntryAsync(fixture, response);

        Assert.Equal(SimulatorOutcome.Faulted, entry.Outcome);
        Assert.Null(entry.CancelledAt);
    }

    private static async Task<SimulatorJournalEntry> WaitForOnlyEntryAsync(SimulatorJournal journal)
    {
        for (var attempt = 0; attempt < 500; attempt++)
        {
            if (journal.Snapshot() is [var entry])
            {
                return entry;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("The cancelled request left no journal entry.");
    }
}
