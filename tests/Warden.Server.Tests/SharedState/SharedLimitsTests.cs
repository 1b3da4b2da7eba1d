using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Warden.Core.Providers;
using Warden.Server.Routing;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.SharedState;

/// <summary>
/// Issue 24: two nodes on one Redis enforce one set of limits. Without Redis each node had its own buckets, leases and
/// circuits, so two nodes let twice the limit through and a key one node saw fail was still tried by the other.
/// </summary>
public sealed class SharedLimitsTests
{
    private const string Model = "sim-small";
    private const string SlowModel = "sim-small~pace-500";

    [RedisFact]
    public async Task RequestRateLimit_OfN_AcrossTwoNodes_AdmitsAtMostNInTotal()
    {
        await using var nodes = await SharedNodes.StartAsync([Model]);
        const int Limit = 4;
        nodes.SetLimits(Limit, null, null);

        var clock = Stopwatch.StartNew();
        int admitted = 0;
        for (int i = 0; i < 3 * Limit; i++)
        {
            var node = i % 2 == 0 ? nodes.A : nodes.B;
            using var response = await node.Http.SendAsync(Requests.Chat(nodes.Key, Requests.Body(Model, "hello")));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                admitted++;
            }
            else
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
                Assert.NotNull(response.Headers.RetryAfter?.Delta);
                Assert.Contains("request rate limit", (await Requests.ErrorAsync(response)).GetProperty("message").GetString(), StringComparison.Ordinal);
            }
        }

        // The bucket refills Limit a minute: whatever the run's length let back in is allowed, nothing more. Two separate
        // nodes would have admitted 2 * Limit.
        Assert.InRange(admitted, Limit, Limit + Refilled(Limit, clock.Elapsed));
        Assert.Equal(admitted, nodes.Simulator.Journal.Snapshot().Count);
    }

    [RedisFact]
    public async Task ConcurrencyLimit_OfOne_HoldsAcrossTwoNodes_AndTheSlotComesBackWhenTheRequestEnds()
    {
        await using var nodes = await SharedNodes.StartAsync([Model, SlowModel]);
        nodes.SetLimits(null, null, 1);

        string slow = """{"model":"sim-small~pace-500","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Hello there."}]}""";
        var running = await nodes.A.Http.SendAsync(Requests.Chat(nodes.Key, slow), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, running.StatusCode);
        var stream = await running.Content.ReadAsStreamAsync();
        Assert.Equal(1, await stream.ReadAsync(new byte[1]));

        // The other node sees the slot taken.
        using (var refused = await nodes.B.Http.SendAsync(Requests.Chat(nodes.Key, Requests.Body(Model, "hi"))))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Contains("concurrency limit", (await Requests.ErrorAsync(refused)).GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        // The client goes away: node A's request ends and gives the slot back (once its handler has noticed).
        await stream.DisposeAsync();
        running.Dispose();
        Assert.True(await EventuallyAsync(async () =>
        {
            using var response = await nodes.B.Http.SendAsync(Requests.Chat(nodes.Key, Requests.Body(Model, "hi")));
            return response.StatusCode == HttpStatusCode.OK;
        }), "the slot never came back to node B");
    }

    [RedisFact]
    public async Task CoolDown_StartedOnOneNode_KeepsTheOtherNodeOffTheKey()
    {
        await using var nodes = await SharedNodes.StartAsync([Model]);
        var a = nodes.A.App.Services.GetRequiredService<UpstreamHealth>();
        var b = nodes.B.App.Services.GetRequiredService<UpstreamHealth>();
        const string Key = "channel-1/key-1|sim-small";
        Assert.True(b.IsAdmissible(Key));

        a.ReportFailure(Key, UpstreamErrorKind.RateLimited, TimeSpan.FromSeconds(30));

        Assert.False(b.IsAdmissible(Key));
        Assert.False(b.TryBeginAttempt(Key));
        Assert.Equal("cooling", b.Snapshot(Key).State);
        Assert.InRange(b.AvailableIn(Key)!.Value.TotalSeconds, 20, 30);
    }

    [RedisFact]
    public async Task Circuit_OpenedOnOneNode_IsOpenOnTheOther_AndAProbesSuccessClosesItForBoth()
    {
        var health = new HealthOptions { FailuresToOpen = 2, OpenFor = TimeSpan.FromSeconds(1) };
        await using var nodes = await SharedNodes.StartAsync([Model], health);
        var a = nodes.A.App.Services.GetRequiredService<UpstreamHealth>();
        var b = nodes.B.App.Services.GetRequiredService<UpstreamHealth>();
        const string Key = "channel-1/key-2|sim-small";

        a.ReportFailure(Key, UpstreamErrorKind.ServerError, null);
        Assert.Equal("closed", b.Snapshot(Key).State);
        a.ReportFailure(Key, UpstreamErrorKind.ServerError, null);
        Assert.Equal("open", a.Snapshot(Key).State);
        Assert.Equal("open", b.Snapshot(Key).State);
        Assert.False(b.TryBeginAttempt(Key));

        // Past the open time the circuit is half-open on B too; node B's one probe succeeds and closes it for A as well.
        Assert.True(await EventuallyAsync(() => Task.FromResult(b.Snapshot(Key).State == "half-open")), "node B never saw the circuit half-open");
        Assert.True(b.TryBeginAttempt(Key));
        Assert.False(b.TryBeginAttempt(Key));   // one probe at a time on a node
        b.ReportSuccess(Key, TimeSpan.FromMilliseconds(10));
        Assert.Equal("closed", b.Snapshot(Key).State);
        Assert.Equal("closed", a.Snapshot(Key).State);
        Assert.True(a.IsAdmissible(Key));
    }

    [RedisFact]
    public async Task RedisKilledMidRun_EachNodeKeepsItsLocalShare_SaysDegraded_AndRecoversOnANewRedis()
    {
        await using var nodes = await SharedNodes.StartAsync([Model]);
        const int Limit = 4;
        nodes.SetLimits(Limit, null, null);
        Assert.True(await EventuallyAsync(async () => await GaugeAsync(nodes.A, "warden_shared_state_nodes") == 2), "node A never counted two nodes");
        Assert.Equal(0, await GaugeAsync(nodes.A, "warden_shared_state_degraded"));
        Assert.Equal("ok", (await ReadyAsync(nodes.A)).GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());

        nodes.Redis.Kill();
        Assert.True(await EventuallyAsync(async () => await GaugeAsync(nodes.A, "warden_shared_state_degraded") == 1), "node A never said degraded");

        // Still ready (a Redis outage must not take every node out of the balancer), but flagged.
        using (var ready = await nodes.A.Http.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            var root = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("degraded", root.GetProperty("status").GetString());
            Assert.Equal("degraded", root.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
            Assert.Contains("local share (1/2)", root.GetProperty("checks").GetProperty("redis").GetProperty("problem").GetString(), StringComparison.Ordinal);
        }

        // Node A alone now admits its share, Limit / 2 a minute: never the whole limit, never unlimited.
        var clock = Stopwatch.StartNew();
        int admitted = 0;
        for (int i = 0; i < 2 * Limit; i++)
        {
            using var response = await nodes.A.Http.SendAsync(Requests.Chat(nodes.Key, Requests.Body(Model, "hello")));
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"status {response.StatusCode}");
            admitted += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
        }

        Assert.InRange(admitted, Limit / 2, (Limit / 2) + Refilled(Limit / 2, clock.Elapsed));
        Assert.Single(nodes.A.Logs.Lines, l => l.Contains("[5301]", StringComparison.Ordinal));

        // A new, empty Redis on the same port: both nodes share again.
        await nodes.Redis.RestartAsync();
        Assert.True(await EventuallyAsync(async () => await GaugeAsync(nodes.A, "warden_shared_state_degraded") == 0), "node A never recovered");
        Assert.True(await EventuallyAsync(async () => await GaugeAsync(nodes.B, "warden_shared_state_degraded") == 0), "node B never recovered");
        Assert.Equal("ok", (await ReadyAsync(nodes.A)).GetProperty("status").GetString());
        Assert.Single(nodes.A.Logs.Lines, l => l.Contains("[5302]", StringComparison.Ordinal));

        clock.Restart();
        admitted = 0;
        for (int i = 0; i < 3 * Limit; i++)
        {
            using var response = await (i % 2 == 0 ? nodes.A : nodes.B).Http.SendAsync(Requests.Chat(nodes.Key, Requests.Body(Model, "hello")));
            admitted += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
        }

        Assert.InRange(admitted, Limit, Limit + Refilled(Limit, clock.Elapsed));
    }

    /// <summary>Whole requests a full bucket of <paramref name="perMinute"/> can have refilled within <paramref name="elapsed"/>.</summary>
    private static int Refilled(int perMinute, TimeSpan elapsed) => (int)Math.Floor(elapsed.TotalMinutes * perMinute);

    private static async Task<JsonElement> ReadyAsync(WardenTestServer server)
    {
        using var response = await server.Http.GetAsync("readyz");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<double> GaugeAsync(WardenTestServer server, string name) =>
        PrometheusText.Parse(await server.Http.GetStringAsync("metrics")).Sum(name);

    /// <summary>Polls until the condition holds, for at most 20 s (Redis expiry and reconnection run on real time).</summary>
    internal static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }
}
