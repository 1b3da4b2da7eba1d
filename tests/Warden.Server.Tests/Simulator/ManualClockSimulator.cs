#pragma warning disable RS0030 // Tests talk to the real Kestrel simulator with a plain HttpClient; the product's named clients are not in play here.

using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

/// <summary>
/// A private simulator whose every simulated wait (latency, stall, pace) runs on a <see cref="ManualTimeProvider"/>,
/// so a test releases each wait itself instead of measuring how long it took.
/// </summary>
internal sealed class ManualClockSimulator : IAsyncDisposable
{
    private const int PollAttempts = 500;
    private const int PollStepMs = 10;

    private ManualClockSimulator(ManualTimeProvider clock, SimulatorHost host, HttpClient client)
    {
        Clock = clock;
        Host = host;
        Client = client;
    }

    public ManualTimeProvider Clock { get; }

    public SimulatorHost Host { get; }

    public HttpClient Client { get; }

    /// <summary>Starts a simulator with <paramref name="options"/> (fixture defaults when null) and a fresh manual clock.</summary>
    public static async Task<ManualClockSimulator> StartAsync(SimulatorOptions? options = null)
    {
        var clock = new ManualTimeProvider();
        var host = await SimulatorHost.StartAsync(
            (options ?? new SimulatorOptions { ChunkChars = SimulatorFixture.ChunkChars }) with { Time = clock },
            CancellationToken.None);

        // The timeout only keeps a broken simulator from hanging the run; it is never reached when the test passes.
        return new ManualClockSimulator(clock, host, new HttpClient { BaseAddress = host.BaseUrl, Timeout = TimeSpan.FromSeconds(30) });
    }

    /// <summary>The journal entry for a request, once the handler has finished (see <see cref="SimulatorCalls.WaitForEntryAsync"/>).</summary>
    public Task<SimulatorJournalEntry> WaitForEntryAsync(string id) => SimulatorCalls.WaitForEntryAsync(Host.Journal, id);

    /// <summary>
    /// Awaits a step the simulator may finish on its own, with the clock as it is (for example the event a
    /// test has just released with <see cref="ManualTimeProvider.Advance"/>). Polls at most ~5 s: a hang
    /// guard that names what the simulator is blocked on, never an assertion on speed.
    /// </summary>
    public async Task<T> FinishesAsync<T>(Task<T> step, string what)
    {
        for (var attempt = 0; attempt < PollAttempts && !step.IsCompleted; attempt++)
        {
            await Task.Delay(PollStepMs);
        }

        return step.IsCompleted ? await step : throw new TimeoutException($"{what} did not finish. {DescribeClock()}");
    }

    /// <summary>
    /// Awaits a step that must finish without the simulator waiting on its clock at all: fails as soon as
    /// a timer is pending while the step is still unfinished. Only valid while no wait is legitimately next.
    /// </summary>
    public async Task<T> FinishesWithoutWaitingAsync<T>(Task<T> step, string what)
    {
        for (var attempt = 0; attempt < PollAttempts && !step.IsCompleted; attempt++)
        {
            if (Clock.PendingTimers.Count > 0 && !step.IsCompleted)
            {
                Assert.Fail($"{what}: the simulator is waiting on its clock instead. {DescribeClock()}");
            }

            await Task.Delay(PollStepMs);
        }

        return step.IsCompleted ? await step : throw new TimeoutException($"{what} did not finish. {DescribeClock()}");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
    }

    private string DescribeClock() =>
        $"Pending timers: [{string.Join(", ", Clock.PendingTimers.Select(timer => timer.Delay.TotalMilliseconds + " ms"))}]; "
        + $"armed so far: [{string.Join(", ", Clock.ArmedTimers.Select(armed => armed.TotalMilliseconds + " ms"))}].";
}
