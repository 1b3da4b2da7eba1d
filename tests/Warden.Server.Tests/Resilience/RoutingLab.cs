using Warden.Server.Hosting;
using Warden.Server.Routing;
using Warden.Server.Simulator;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Resilience;

/// <summary>
/// A Warden with no channel but the ones a test adds, and one simulator whose faults are chosen per channel by a path
/// prefix (<c>/_fault/500/v1/</c>), so two channels serving the same model can behave differently. Each test starts its
/// own lab: health, cool-downs and affinity are per Warden, and one test's failures must not steer another's routing.
/// </summary>
internal sealed class RoutingLab : IAsyncDisposable
{
    private RoutingLab(WardenTestServer server, SimulatorHost simulator)
    {
        Server = server;
        Simulator = simulator;
    }

    public WardenTestServer Server { get; }

    public SimulatorHost Simulator { get; }

    public static async Task<RoutingLab> StartAsync(Func<WardenOptions, WardenOptions>? configure = null, string? dataDirectory = null)
    {
        var server = await WardenTestServer.StartAsync(o => (configure?.Invoke(o) ?? o) with { EnableSimulator = false }, dataDirectory);
        server.App.Data.Channels.Remove(FirstRun.DemoChannelName);
        server.Reload();
        var simulator = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0 }, CancellationToken.None);
        return new RoutingLab(server, simulator);
    }

    /// <summary>Adds a channel to the simulator with <paramref name="faults"/> applied to every request it sends ("" for none).</summary>
    public Channel Add(string name, string faults, int priority = 0, ChannelTuning? tuning = null, string model = "sim-small", string? credential = null, string provider = "simulator")
    {
        var root = provider == "simulator-gemini" ? "" : "v1/";
        var url = faults.Length == 0 ? new Uri(Simulator.RootUrl, root) : new Uri(Simulator.RootUrl, $"_fault/{faults}/{root}");
        var result = Server.App.Data.ChannelRegistrar.Add(new ChannelSpec(name, provider, url.ToString(), [model], priority, credential, AllowPrivateNetwork: true, Tuning: tuning));
        Assert.Null(result.Problem);
        Server.Reload();
        return result.Channel!;
    }

    /// <summary>How many requests the simulator received with exactly these effective faults.</summary>
    public int Received(string faults) => Simulator.Journal.Snapshot().Count(e => string.Equals(e.Fault, faults, StringComparison.Ordinal));

    /// <summary>Waits (bounded) until the simulator has journaled <paramref name="count"/> requests with these faults.</summary>
    public async Task<IReadOnlyList<SimulatorJournalEntry>> WaitForAsync(string faults, int count = 1)
    {
        for (int i = 0; i < 200; i++)
        {
            var entries = Simulator.Journal.Snapshot().Where(e => string.Equals(e.Fault, faults, StringComparison.Ordinal)).ToList();
            if (entries.Count >= count)
            {
                return entries;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"The simulator never journaled {count} request(s) with faults '{faults}'.");
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Simulator.DisposeAsync();
    }
}
