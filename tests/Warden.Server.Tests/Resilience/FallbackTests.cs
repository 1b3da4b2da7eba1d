using System.Net;
using System.Text;
using Warden.Core.Trust;
using Warden.Server.Routing;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Resilience;

/// <summary>
/// Several channels for one model: fallback before the commit point and never after it, the circuit breaker, load
/// shedding, cancellation on disconnect, and draining on shutdown.
/// </summary>
public sealed class FallbackTests
{
    [Theory]
    [InlineData("500")]
    [InlineData("529")]
    [InlineData("429-9")]
    public async Task FailureBeforeCommit_FallsBackToTheNextChannel_AndTheReceiptListsBothAttempts(string fault)
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("primary", fault, priority: 10);
        var backup = lab.Add("backup", "", priority: 0);

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(lab.Server.DemoKey, Requests.Body("sim-small", "hi")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("2", response.Headers.GetValues("Warden-Attempts").Single());
        Assert.Equal(1, lab.Received(fault));
        var row = await lab.Server.UsageForAsync(FaultInjectionTests.RequestId(response));
        Assert.Equal(backup.Id, row.ChannelId);
        Assert.Equal("completed", row.Outcome);

        var claims = await VerifiedClaimsAsync(lab.Server, response);
        Assert.Equal(["primary", "backup"], claims.Attempts.Select(a => a.Channel));
        Assert.NotEqual("ok", claims.Attempts[0].Outcome);
        Assert.Equal("ok", claims.Attempts[1].Outcome);
        Assert.False(claims.Fallback.Used);
    }

    [Fact]
    public async Task RejectedRequest_IsNotRetriedOnAnotherChannel()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("primary", "", priority: 10);
        lab.Add("backup", "latency-1", priority: 0);

        // The simulator rejects an empty message list with a 400: the client's to fix, so no other channel is asked.
        using var response = await lab.Server.Http.SendAsync(Requests.Chat(lab.Server.DemoKey, "{\"model\":\"sim-small\",\"messages\":[]}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, lab.Received("latency-1"));
    }

    [Fact]
    public async Task FailureAfterCommit_IsNotRetried_TheClientSeesTheBreakInsideTheStream()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("primary", "disconnect-2", priority: 10);
        lab.Add("backup", "latency-1", priority: 0);

        using var response = await lab.Server.Http.SendAsync(FaultInjectionTests.StreamRequest(lab, "openai"), HttpCompletionOption.ResponseHeadersRead);
        var data = await Sse.ReadDataAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("upstream_stream_broken", data[^1], StringComparison.Ordinal);
        Assert.Equal(0, lab.Received("latency-1"));
    }

    [Fact]
    public async Task ConsecutiveFailures_OpenTheCircuit_SoTheFailingChannelIsSkippedWithoutBeingCalled()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("broken", "500", priority: 10);
        lab.Add("healthy", "", priority: 0);
        int failuresToOpen = new HealthOptions().FailuresToOpen;

        for (int i = 0; i < failuresToOpen + 3; i++)
        {
            using var response = await lab.Server.Http.SendAsync(Requests.Chat(lab.Server.DemoKey, Requests.Body("sim-small", "hi")));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Only the first failuresToOpen requests reached the broken channel; the rest went straight to the healthy one.
        Assert.Equal(failuresToOpen, lab.Received("500"));
    }

    [Fact]
    public async Task EveryChannelOpen_IsAFast503WithRetryAfter()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("broken", "500");
        int failuresToOpen = new HealthOptions().FailuresToOpen;
        for (int i = 0; i < failuresToOpen; i++)
        {
            using var failed = await lab.Server.Http.SendAsync(Requests.Chat(lab.Server.DemoKey, Requests.Body("sim-small", "hi")));
            Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        }

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(lab.Server.DemoKey, Requests.Body("sim-small", "hi")));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("upstream_unavailable", (await Requests.ErrorAsync(response)).GetProperty("code").GetString());
        Assert.InRange(response.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, new HealthOptions().OpenFor.TotalSeconds);
        Assert.Equal(failuresToOpen, lab.Received("500"));
    }

    [Fact]
    public async Task ChannelAtItsConcurrencyBound_IsShedWithAFast503_InsteadOfQueueing()
    {
        await using var lab = await RoutingLab.StartAsync();
        var channel = lab.Add("narrow", "latency-1500", tuning: new ChannelTuning(MaxConcurrency: 1));
        var gate = lab.Server.App.Services.GetRequiredService<ConcurrencyGate>();

        var first = lab.Server.Http.SendAsync(Requests.Chat(lab.Server.DemoKey, Requests.Body("sim-small", "hi")));
        for (int i = 0; i < 200 && gate.InFlight(channel.Id) == 0; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(1, gate.InFlight(channel.Id));
        using var shed = await lab.Server.Http.SendAsync(Requests.Chat(lab.Server.DemoKey, Requests.Body("sim-small", "hi")));
        using var answered = await first;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, shed.StatusCode);
        Assert.Equal("upstream_capacity", (await Requests.ErrorAsync(shed)).GetProperty("code").GetString());
        Assert.NotNull(shed.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal(1, lab.Received("latency-1500"));
        Assert.Equal(0, gate.InFlight(channel.Id));
    }

    [Fact]
    public async Task Shutdown_DrainsAnInFlightStream_AndRecordsItsUsage()
    {
        using var data = new TempDirectory();
        var lab = await RoutingLab.StartAsync(dataDirectory: data.Path);
        string requestId;
        Task stopping;
        string body;
        try
        {
            lab.Add("paced", "pace-60");
            using var response = await lab.Server.Http.SendAsync(FaultInjectionTests.StreamRequest(lab, "openai"), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            requestId = FaultInjectionTests.RequestId(response);
            await using var stream = await response.Content.ReadAsStreamAsync();
            var first = new byte[64];
            Assert.True(await stream.ReadAsync(first) > 0);

            // Stop while the stream is still going: the server stops accepting and waits for it.
            stopping = lab.Server.DisposeAsync().AsTask();
            using var reader = new StreamReader(stream, Encoding.UTF8);
            body = await reader.ReadToEndAsync();
            await stopping;
        }
        finally
        {
            await lab.DisposeAsync();
        }

        Assert.Contains("data: [DONE]", body, StringComparison.Ordinal);
        Assert.DoesNotContain("upstream_stream_broken", body, StringComparison.Ordinal);
        var row = WardenTestServer.ReadUsage(data.Path).Single(r => r.Id == requestId);
        Assert.Equal("completed", row.Outcome);
        Assert.NotNull(row.OutputTokens);
    }

    /// <summary>The claims of a complete answer's receipt, after checking its signature against the published keys.</summary>
    internal static async Task<ReceiptClaims> VerifiedClaimsAsync(WardenTestServer server, HttpResponseMessage response)
    {
        string jws = response.Headers.GetValues("Warden-Receipt").Single();
        var report = ReceiptVerifier.Verify(jws, await Trust.ReceiptWire.JwksAsync(server), new ReceiptEvidence { ResponseBody = await response.Content.ReadAsByteArrayAsync() });
        Assert.True(report.AllPassed, string.Join("\n", report.Checks.Select(c => $"{c.Passed} {c.Name}: {c.Detail}")));
        return report.Claims!;
    }

    internal static async Task<(DateTimeOffset At, string Line)> WaitForLogAsync(CapturedLogs logs, string text)
    {
        for (int i = 0; i < 200; i++)
        {
            foreach (var entry in logs.Timed)
            {
                if (entry.Line.Contains(text, StringComparison.Ordinal))
                {
                    return entry;
                }
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"No log line contains '{text}'.");
    }
}
