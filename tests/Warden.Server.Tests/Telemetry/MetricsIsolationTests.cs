using Warden.Server.Simulator;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Telemetry;

/// <summary>
/// Each Warden's /metrics counts its own requests only: tests run many servers in one process, and the meter of each
/// comes from its own host's meter factory.
/// </summary>
public sealed class MetricsIsolationTests
{
    [Fact]
    public async Task Metrics_OfOneServer_DoNotCountAnotherServersRequests()
    {
        await using var quiet = await WardenTestServer.StartAsync();
        await using var busy = await WardenTestServer.StartAsync();
        string channel = "isolation-" + Guid.NewGuid().ToString("N")[..8];
        busy.AddChannel("simulator", channel, busy.App.Simulator!.BaseUrl, busy.App.Data.Channels.DecryptCredential(busy.App.Data.Channels.List().Single(c => c.ManagedSimulator)), 10, SimulatorModels.Reasoner);
        await busy.Chat(SimulatorModels.Reasoner).CompleteChatAsync([new OpenAI.Chat.UserChatMessage("count me")]);

        var busyMetrics = PrometheusText.Parse(await busy.Http.GetStringAsync("metrics"));
        var quietMetrics = PrometheusText.Parse(await quiet.Http.GetStringAsync("metrics"));
        Assert.Equal(1, busyMetrics.Sum("warden_upstream_attempts_total", ("warden_channel", channel)));
        Assert.Empty(quietMetrics.Matching("warden_upstream_attempts_total", ("warden_channel", channel)));
    }
}
