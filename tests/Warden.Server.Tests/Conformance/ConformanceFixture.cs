using Warden.Server.Simulator;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Conformance;

/// <summary>
/// One simulator and four Wardens, each routing every model to the simulator through one upstream dialect, so a
/// client of any protocol can be paired with an upstream of any protocol: 16 pairs.
/// </summary>
public sealed class ConformanceFixture : IAsyncLifetime
{
    public static readonly string[] Upstreams = ["chat", "anthropic", "responses", "gemini"];

    public static readonly string[] Models =
    [
        "sim-small", "sim-reasoner", "sim-small~429-2", "sim-small~429-0", "sim-small~529", "sim-small~500",
        "sim-small~midstream-error", "sim-small~disconnect-3", "sim-small~pace-1000",
    ];

    private readonly Dictionary<string, WardenTestServer> _servers = [];

    internal SimulatorHost Simulator { get; private set; } = null!;

    internal WardenTestServer For(string upstream) => _servers[upstream];

    public async Task InitializeAsync()
    {
        Simulator = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0 }, CancellationToken.None);
        foreach (string upstream in Upstreams)
        {
            // One Warden serves every client of this upstream, and the error tests send each fault many times: the
            // circuit breaker would rightly open on the faulty models and answer for them (tests/.../Resilience covers that),
            // so it is kept closed here, where the subject is each protocol's error shape.
            var server = await WardenTestServer.StartAsync(o => o with { EnableSimulator = false, Health = new Warden.Server.Routing.HealthOptions { FailuresToOpen = int.MaxValue } });
            var (provider, baseUrl) = upstream switch
            {
                "chat" => ("simulator", Simulator.BaseUrl),
                "anthropic" => ("simulator-anthropic", Simulator.BaseUrl),
                "responses" => ("simulator-responses", Simulator.BaseUrl),
                _ => ("simulator-gemini", new Uri(Simulator.BaseUrl, "/v1beta/")),
            };
            // Above the first-run demo channel, which this Warden does not start a simulator for.
            server.AddChannel(provider, "sim-" + upstream, baseUrl, null, 10, Models);
            _servers[upstream] = server;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers.Values)
        {
            await server.DisposeAsync();
        }

        await Simulator.DisposeAsync();
    }
}
