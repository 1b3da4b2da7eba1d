using System.Net;
using Warden.Core.Providers;
using Warden.Server.Keys;
using Warden.Server.Simulator;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Resilience;

/// <summary>
/// A failure the request caused does not count against the upstream's health (issue 18): five large bodies the upstream
/// resets no longer open the circuit and pause the model for every other client.
/// </summary>
public sealed class RequestCausedFailureTests
{
    // A name only the test's channel serves (the demo channel serves sim-small): one upstream key, so its circuit is the model's.
    private const string Model = "sim-small~latency-0";

    [Fact]
    public async Task LargeBodiesTheUpstreamResets_AreTheRequestsFault_AnotherKeyIsStillServed()
    {
        await using var simulator = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0 }, CancellationToken.None);
        await using var server = await WardenTestServer.StartAsync(o => o with { EnableSimulator = false });

        // The upstream (as a provider's proxy does) resets any body over 1 MiB without reading it.
        server.AddChannel("simulator", "sim", simulator.FaultBaseUrl($"reset-{UpstreamErrorPolicy.LargeRequestBodyBytes}"), null, 10, Model);
        string hostile = server.App.Data.KeyIssuer.Issue("hostile", KeyRole.Client, null, null).Plaintext;
        server.Reload();
        string huge = Requests.Body(Model, new string('a', 20 * 1024 * 1024));

        int failuresToOpen = server.App.Services.GetRequiredService<Warden.Server.Hosting.WardenOptions>().Health.FailuresToOpen;
        for (int i = 0; i < failuresToOpen + 1; i++)
        {
            using var dropped = await server.Http.SendAsync(Requests.Chat(hostile, huge));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, dropped.StatusCode);
            var error = await Requests.ErrorAsync(dropped);
            Assert.Equal("request_too_large", error.GetProperty("code").GetString());
        }

        // Another client's ordinary request is still served: the circuit stayed closed.
        using var normal = await server.Http.SendAsync(Requests.Chat(server.DemoKey, Requests.Body(Model, "Hello")));
        Assert.Equal(HttpStatusCode.OK, normal.StatusCode);
    }

    [Fact]
    public async Task SmallBodiesTheUpstreamResets_StillCountAgainstItsHealth_AndOpenTheCircuit()
    {
        // The other side of the rule: a connection lost on a small body is the network's or the upstream's.
        await using var simulator = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0 }, CancellationToken.None);
        await using var server = await WardenTestServer.StartAsync(o => o with { EnableSimulator = false });
        server.AddChannel("simulator", "sim", simulator.FaultBaseUrl("reset-0"), null, 10, Model);
        string body = Requests.Body(Model, "Hello");

        int failuresToOpen = server.App.Services.GetRequiredService<Warden.Server.Hosting.WardenOptions>().Health.FailuresToOpen;
        for (int i = 0; i < failuresToOpen; i++)
        {
            using var failed = await server.Http.SendAsync(Requests.Chat(server.DemoKey, body));
            Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        }

        using var paused = await server.Http.SendAsync(Requests.Chat(server.DemoKey, body));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, paused.StatusCode);
        Assert.Equal("upstream_unavailable", (await Requests.ErrorAsync(paused)).GetProperty("code").GetString());
    }
}
