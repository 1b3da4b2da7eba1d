using System.Net;
using System.Text.Json;
using Warden.Server.Simulator;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Telemetry;

/// <summary>
/// Issue 24: <c>warden serve --log-format json</c> writes one JSON object per line, and a request's lines carry its
/// request id (the x-request-id the client got) and a trace id; a prompt canary appears on none of them.
/// </summary>
public sealed class JsonLogTests
{
    [Fact]
    public async Task JsonLogFormat_EveryLineParses_AndARequestsLinesCarryItsRequestIdAndTraceId()
    {
        using var folder = new TempDirectory();
        string canary = "CANARY" + Guid.NewGuid().ToString("N");
        var (exit, output) = await CliTests.RunAsync("keys", "create", "--name", "json-logs", "--data", folder.Path);
        Assert.Equal(0, exit);
        string key = WardenProcess.Line(output, "Key: ");

        // A channel whose upstream refuses connections: its failure is logged (a warning) inside the request.
        (exit, _) = await CliTests.RunAsync("channels", "add", "--name", "dead-end", "--provider", "simulator", "--base-url", "http://127.0.0.1:9/v1/",
            "--models", "dead-model", "--allow-private-network", "--data", folder.Path);
        Assert.Equal(0, exit);

        var log = new ServerOutput();
        var (process, url) = await WardenProcess.ServeAsync(folder.Path, log, "json", "--log-format", "json");
        string failedId;
        try
        {
#pragma warning disable RS0030 // The test is a client.
            using var http = new HttpClient { BaseAddress = url };
#pragma warning restore RS0030
            using (var ok = await http.SendAsync(Requests.Chat(key, Requests.Body(SimulatorModels.Small, canary))))
            {
                Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            }

            // A key in the URL (Gemini's ?key=) is refused and appears on no line.
            using (var refused = await http.PostAsync($"v1beta/models/{SimulatorModels.Small}:generateContent?key=key-{canary}",
                new StringContent("{\"contents\":[]}", System.Text.Encoding.UTF8, "application/json")))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }

            using var failed = await http.SendAsync(Requests.Chat(key, Requests.Body("dead-model", canary)));
            Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
            failedId = failed.Headers.GetValues("x-request-id").Single();
        }
        finally
        {
            Assert.Equal(0, await WardenProcess.StopAsync(process));
            await log.DrainAsync();
            process.Dispose();
        }

        // The console lines of the server (stdout) after its banner: every one a JSON object.
        var lines = log.Text.Split('\n')
            .Select(l => l.Split(" json stdout: ", 2))
            .Where(parts => parts.Length == 2 && parts[1].StartsWith('{'))
            .Select(parts => parts[1])
            .ToList();
        Assert.NotEmpty(lines);
        var events = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(events, e => Assert.True(e.TryGetProperty("LogLevel", out _) && e.TryGetProperty("Category", out _) && e.TryGetProperty("Timestamp", out _)));

        var failure = Assert.Single(events, e => e.GetProperty("EventId").GetInt32() == 2001);
        var scope = failure.GetProperty("Scopes").EnumerateArray().Single(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("RequestId", out _));
        Assert.Equal(failedId, scope.GetProperty("RequestId").GetString());
        string traceId = scope.GetProperty("TraceId").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        Assert.NotEqual(new string('0', 32), traceId);
        Assert.DoesNotContain(canary, log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(key, log.Text, StringComparison.Ordinal);
    }
}
