using System.Net;
using System.Text;
using System.Text.Json;
using Warden.Server.Billing;
using Warden.Server.Keys;
using Warden.Server.Simulator;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Billing;

/// <summary>Rate limits as a client meets them over HTTP: the Retry-After it is told, and which routes they cover (issue 18).</summary>
public sealed class RateLimitHttpTests
{
    [Fact]
    public async Task ConcurrencySlotTaken_AndTokenBucketInDebt_RetryAfterIsTheBucketsRealWait_NotOneSecond()
    {
        await using var simulator = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0 }, CancellationToken.None);
        await using var server = await WardenTestServer.StartAsync(o => o with { EnableSimulator = false });
        server.AddChannel("simulator", "sim", simulator.BaseUrl, null, 10, "sim-small", "sim-small~pace-500");
        var (key, keyId) = IssueKey(server);

        // One request at a time and 1,000 tokens a minute: a 5,000-token request passes from the full bucket and leaves
        // it at least 4,000 tokens in debt, which takes at least 240 s to refill.
        Assert.Null(server.App.Data.Billing.RateLimits.Set(new RateLimits("key", keyId, null, 1_000, 1)));
        string slow = """{"model":"sim-small~pace-500","max_tokens":5000,"stream":true,"messages":[{"role":"user","content":"Hello there."}]}""";
        using var first = await server.Http.SendAsync(Requests.Chat(key, slow), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await using var stream = await first.Content.ReadAsStreamAsync();
        Assert.Equal(1, await stream.ReadAsync(new byte[1]));

        // While it runs the second is refused by the concurrency limit and by the bucket: it must wait for the bucket,
        // and being told "1 s" (the concurrency hint) sent it back into a refusal for minutes.
        using var refused = await server.Http.SendAsync(Requests.Chat(key, """{"model":"sim-small","max_tokens":16,"messages":[{"role":"user","content":"Hi"}]}"""));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 200, 3_600);
        var error = await Requests.ErrorAsync(refused);
        Assert.Contains("token rate limit", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnthropicCountTokens_CountsAgainstTheRequestRate_TheExtraOneIs429WithRetryAfterInAnthropicsErrorJson()
    {
        await using var simulator = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0 }, CancellationToken.None);
        await using var server = await WardenTestServer.StartAsync(o => o with { EnableSimulator = false });
        server.AddChannel("simulator-anthropic", "sim-anthropic", simulator.BaseUrl, null, 10, "sim-small");   // before the demo channel
        var (key, keyId) = IssueKey(server);
        const int Limit = 3;
        Assert.Null(server.App.Data.Billing.RateLimits.Set(new RateLimits("key", keyId, Limit, null, null)));

        for (int i = 0; i < Limit; i++)
        {
            using var counted = await server.Http.SendAsync(AnthropicCount(key));
            Assert.Equal(HttpStatusCode.OK, counted.StatusCode);
            Assert.Equal("upstream", counted.Headers.GetValues("Warden-Token-Count").Single());
        }

        using var limited = await server.Http.SendAsync(AnthropicCount(key));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        // One request per 20 s refills, less the time the three took (the real wait, never a fixed hint).
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 10, 20);
        using var json = JsonDocument.Parse(await limited.Content.ReadAsByteArrayAsync());
        Assert.Equal("error", json.RootElement.GetProperty("type").GetString());
        Assert.Equal("rate_limit_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("request rate limit", json.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);

        var journalCount = simulator.Journal.Snapshot().Count;
        Assert.Equal(Limit, journalCount);   // the refused count never went upstream
    }

    [Fact]
    public async Task GeminiCountTokens_IsRateLimited_InGeminisErrorJson()
    {
        await using var simulator = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0 }, CancellationToken.None);
        await using var server = await WardenTestServer.StartAsync(o => o with { EnableSimulator = false });
        server.AddChannel("simulator-gemini", "sim-gemini", simulator.GeminiBaseUrl, null, 10, "sim-small");
        var (key, keyId) = IssueKey(server);
        Assert.Null(server.App.Data.Billing.RateLimits.Set(new RateLimits("key", keyId, 1, null, null)));

        using (var counted = await server.Http.SendAsync(GeminiCount(key)))
        {
            Assert.Equal(HttpStatusCode.OK, counted.StatusCode);
        }

        using var limited = await server.Http.SendAsync(GeminiCount(key));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 30, 60);
        using var json = JsonDocument.Parse(await limited.Content.ReadAsByteArrayAsync());
        Assert.Equal("RESOURCE_EXHAUSTED", json.RootElement.GetProperty("error").GetProperty("status").GetString());
    }

    private static (string Key, string Id) IssueKey(WardenTestServer server)
    {
        var issued = server.App.Data.KeyIssuer.Issue("limited-key", KeyRole.Client, null, null);
        server.Reload();
        return (issued.Plaintext, issued.Key.Id);
    }

    private static HttpRequestMessage AnthropicCount(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages/count_tokens")
        {
            Content = new StringContent("""{"model":"sim-small","messages":[{"role":"user","content":"How many tokens is this?"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        return request;
    }

    private static HttpRequestMessage GeminiCount(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1beta/models/sim-small:countTokens")
        {
            Content = new StringContent("""{"contents":[{"role":"user","parts":[{"text":"How many tokens is this?"}]}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-goog-api-key", key);
        return request;
    }
}
