using System.Net;
using System.Text.Json;
using Warden.Core.Providers;
using Warden.Server.Routing;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Resilience;

/// <summary>
/// A channel with a pool of upstream keys: each key is routed and tracked on its own, the operator sees each key's
/// health without the key itself, and a key cooling down after a 429 leaves traffic to the other keys of the pool.
/// </summary>
public sealed class KeyPoolTests
{
    [Fact]
    public async Task PoolOfTwoKeys_IsTwoTargets_AndAKeyCoolingDownLeavesTrafficToTheOther()
    {
        await using var lab = await RoutingLab.StartAsync();
        var channel = lab.Add("pooled", "", credential: "sk-first-secret-1111, sk-second-secret-2222");
        var targets = lab.Server.App.Services.GetRequiredService<ChannelCatalog>().Find("sim-small");
        Assert.Equal([0, 1], targets.Select(t => t.KeyIndex));
        Assert.All(targets, t => Assert.Equal(channel.Id, t.ChannelId));

        // Key #0 is rate limited by its provider: every request goes to key #1 until the cool-down ends.
        var health = lab.Server.App.Services.GetRequiredService<UpstreamHealth>();
        health.ReportFailure(RouteLeg.HealthKey(targets[0], "sim-small"), UpstreamErrorKind.RateLimited, TimeSpan.FromMinutes(5));
        for (int i = 0; i < 6; i++)
        {
            using var response = await lab.Server.Http.SendAsync(Requests.Chat(lab.Server.DemoKey, Requests.Body("sim-small", $"question {i}")));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal("closed", health.Snapshot(RouteLeg.HealthKey(targets[1], "sim-small")).State);
        Assert.NotNull(health.LatencyMs(RouteLeg.HealthKey(targets[1], "sim-small")));
        Assert.Null(health.LatencyMs(RouteLeg.HealthKey(targets[0], "sim-small")));

        // The operator's view lists both keys by position, with their state, and never the keys themselves.
        using var request = new HttpRequestMessage(HttpMethod.Get, "admin/routing/health");
        request.Headers.Authorization = new("Bearer", lab.Server.AdminKey);
        using var view = await lab.Server.Http.SendAsync(request);
        string json = await view.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, view.StatusCode);
        Assert.DoesNotContain("secret", json, StringComparison.Ordinal);
        var rows = JsonDocument.Parse(json).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        Assert.Contains(rows, r => r.GetProperty("key_index").GetInt32() == 0 && r.GetProperty("state").GetString() == "cooling");
        Assert.Contains(rows, r => r.GetProperty("key_index").GetInt32() == 1 && r.GetProperty("state").GetString() == "closed");
    }
}
