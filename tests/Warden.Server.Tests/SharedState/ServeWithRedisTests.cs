using System.Net;
using System.Text.Json;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.SharedState;

/// <summary><c>warden serve --redis HOST:PORT</c> as an operator runs it: a real process that joins the Redis and says so.</summary>
public sealed class ServeWithRedisTests
{
    [RedisFact]
    public async Task Serve_WithRedis_CountsItselfAmongTheNodes_AndReportsTheRedisCheckReady()
    {
        await using var redis = await RedisServer.StartAsync();
        using var folder = new TempDirectory();
        var log = new ServerOutput();
        var (process, url) = await WardenProcess.ServeAsync(folder.Path, log, "redis", "--redis", redis.Endpoint);
        try
        {
#pragma warning disable RS0030 // The test is a client.
            using var http = new HttpClient { BaseAddress = url };
#pragma warning restore RS0030
            using var ready = await http.GetAsync("readyz");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            var root = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("ok", root.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
            var metrics = PrometheusText.Parse(await http.GetStringAsync("metrics"));
            Assert.Equal(0, metrics.Sum("warden_shared_state_degraded"));
            Assert.Equal(1, metrics.Sum("warden_shared_state_nodes"));
        }
        finally
        {
            Assert.Equal(0, await WardenProcess.StopAsync(process));
        }
    }

    [Fact]
    public async Task Serve_WithARedisThatIsNoEndpoint_ExitsWith2AndSaysWhy()
    {
        using var folder = new TempDirectory();
        var (exit, output) = await CliTests.RunAsync("serve", "--port", "0", "--data", folder.Path, "--redis", ",,,");
        Assert.Equal(2, exit);
        Assert.Contains("--redis", output, StringComparison.Ordinal);
        Assert.Contains("HOST:PORT", output, StringComparison.Ordinal);
    }
}
