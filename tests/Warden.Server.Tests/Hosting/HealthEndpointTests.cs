using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Warden.Server.Endpoints;
using Warden.Server.Hosting;
using Warden.Server.Routing;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Hosting;

/// <summary>
/// Issue 24: <c>/healthz</c> (alive) and <c>/readyz</c> (database, a usable channel, not draining) for load balancers and
/// Kubernetes probes: no key, GET and HEAD, a 503 with Retry-After naming the failing check.
/// </summary>
public sealed class HealthEndpointTests
{
    [Fact]
    public async Task Healthz_AnswersGetAndHeadWithoutAKey()
    {
        await using var server = await WardenTestServer.StartAsync();
        using var get = await server.Http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("application/json", get.Content.Headers.ContentType?.MediaType);
        Assert.Equal("ok", JsonDocument.Parse(await get.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());

        using var head = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "healthz"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Readyz_WithTheDemoChannel_IsReady()
    {
        await using var server = await WardenTestServer.StartAsync();
        using var get = await server.Http.GetAsync("readyz");
        string body = await get.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal("ok", root.GetProperty("status").GetString());
        foreach (string check in (ReadOnlySpan<string>)[Readiness.Database, Readiness.Channels, Readiness.Draining])
        {
            Assert.Equal("ok", root.GetProperty("checks").GetProperty(check).GetProperty("status").GetString());
        }

        Assert.Equal(0, root.GetProperty("failing").GetArrayLength());
        using var head = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "readyz"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }

    [Fact]
    public async Task Readyz_WithNoChannel_Is503NamingTheChannelsCheck()
    {
        await using var server = await WardenTestServer.StartAsync(o => o with { EnableSimulator = false });
        server.App.Data.Channels.Remove(FirstRun.DemoChannelName);
        server.Reload();

        using var get = await server.Http.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, get.StatusCode);
        Assert.Equal(HealthEndpoints.RetryAfterSeconds, (int)get.Headers.RetryAfter!.Delta!.Value.TotalSeconds);
        var root = JsonDocument.Parse(await get.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("unavailable", root.GetProperty("status").GetString());
        Assert.Equal([Readiness.Channels], root.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("ok", root.GetProperty("checks").GetProperty(Readiness.Database).GetProperty("status").GetString());

        using var head = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "readyz"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, head.StatusCode);
        Assert.NotNull(head.Headers.RetryAfter);

        // Liveness is not readiness: the process still answers.
        using var alive = await server.Http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task Readyz_WhenEveryCircuitIsOpen_Is503_AndReadyAgainWhenOneCloses()
    {
        await using var server = await WardenTestServer.StartAsync();
        var health = server.App.Services.GetRequiredService<UpstreamHealth>();
        var options = server.App.Services.GetRequiredService<WardenOptions>();
        var targets = server.App.Services.GetRequiredService<ChannelCatalog>().AllTargets().ToList();
        Assert.NotEmpty(targets);

        // The same reports a run of failed attempts makes (AttemptLoop): enough consecutive failures open each circuit.
        foreach (var (model, target) in targets)
        {
            for (int i = 0; i < options.Health.FailuresToOpen; i++)
            {
                health.ReportFailure(RouteLeg.HealthKey(target, model), Core.Providers.UpstreamErrorKind.ServerError, null);
            }
        }

        using (var get = await server.Http.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, get.StatusCode);
            var root = JsonDocument.Parse(await get.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal([Readiness.Channels], root.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
            Assert.Contains("circuit", root.GetProperty("checks").GetProperty(Readiness.Channels).GetProperty("problem").GetString(), StringComparison.Ordinal);
        }

        health.ReportSuccess(RouteLeg.HealthKey(targets[0].Target, targets[0].Model), TimeSpan.FromMilliseconds(1));
        using (var again = await server.Http.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }
    }

    [Fact]
    public async Task Readiness_WhileStopping_FailsTheDrainingCheck()
    {
        await using var server = await WardenTestServer.StartAsync();
        var readiness = server.App.Services.GetRequiredService<Readiness>();
        Assert.All(readiness.Check(), c => Assert.True(c.Ok, c.Name));

        // What SIGTERM does first: the host signals stopping, then Kestrel stops accepting and in-flight requests drain.
        server.App.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        var draining = Assert.Single(readiness.Check(), c => !c.Ok);
        Assert.Equal(Readiness.Draining, draining.Name);
    }
}
