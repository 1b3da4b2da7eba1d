using System.Net;
using System.Text.Json.Nodes;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Conformance;

/// <summary>
/// Every client protocol against every upstream protocol (16 pairs; same-dialect pairs pass bytes through, the rest
/// translate): text, multi-turn, tool calls (parallel too), tool results, reasoning round trips, streaming with usage,
/// errors before and after the commit point, and cancellation mid-stream. Clients are the test's own protocol
/// drivers, so Warden's codecs are checked against an independent reading of each protocol; usage is checked against
/// what the simulator says it reported, and against what Warden recorded.
/// </summary>
public sealed class ConformanceTests(ConformanceFixture fixture) : IClassFixture<ConformanceFixture>
{
    private const string ToolResult = "22 degrees and sunny";

    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        foreach (string client in ConformanceFixture.Upstreams)
        {
            foreach (string upstream in ConformanceFixture.Upstreams)
            {
                data.Add(client, upstream);
            }
        }

        return data;
    }

    public static TheoryData<string, string, bool> PairsBothWays()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var row in Pairs())
        {
            data.Add((string)row[0], (string)row[1], false);
            data.Add((string)row[0], (string)row[1], true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PairsBothWays))]
    public async Task Text_AnswersWithTruthfulModelAndExactUsage(string client, string upstream, bool stream)
    {
        var driver = ClientDriver.ByName(client);
        var conversation = new Conversation();
        driver.AddUser(conversation, "Say hello to the conformance suite.");

        var (answer, response) = await SendAsync(driver, upstream, "sim-small", conversation, stream);

        Assert.NotEmpty(answer.Text);
        Assert.Equal("end", answer.Stop);
        Assert.True(answer.ClosedProperly, "the protocol's closing events must all be there");
        Assert.Null(answer.StreamError);
        Assert.Empty(answer.ToolCalls);
        Assert.Equal("sim-small", answer.Model);
        Assert.Equal("sim-small", response.Headers.GetValues("Warden-Served-Model").Single());
        Assert.Single(response.Headers.GetValues("Warden-Provider"));
        await AssertUsageMatchesSimulatorAsync(upstream, response, answer);
    }

    [Theory]
    [MemberData(nameof(PairsBothWays))]
    public async Task ToolCall_ArrivesWithNameAndCompleteArguments(string client, string upstream, bool stream)
    {
        var driver = ClientDriver.ByName(client);
        var conversation = new Conversation { WithTools = true };
        driver.AddUser(conversation, "What is the weather in Paris? Use get_weather.");

        var (answer, response) = await SendAsync(driver, upstream, "sim-small", conversation, stream);

        var call = Assert.Single(answer.ToolCalls);
        Assert.Equal("get_weather", call.Name);
        Assert.False(string.IsNullOrEmpty(call.Id));
        var arguments = JsonNode.Parse(call.ArgumentsJson)!.AsObject();
        Assert.Equal(System.Text.Json.JsonValueKind.String, arguments["location"]!.GetValueKind());
        Assert.Equal("tool", answer.Stop);
        Assert.True(answer.ClosedProperly);
        await AssertUsageMatchesSimulatorAsync(upstream, response, answer);
    }

    [Theory]
    [MemberData(nameof(PairsBothWays))]
    public async Task ParallelToolCalls_KeepTheirOrderAndIds(string client, string upstream, bool stream)
    {
        var driver = ClientDriver.ByName(client);
        var conversation = new Conversation { WithTools = true };
        driver.AddUser(conversation, "Call get_weather for Oslo and get_time for Europe/Oslo.");

        var (answer, _) = await SendAsync(driver, upstream, "sim-small", conversation, stream);

        Assert.Equal(["get_weather", "get_time"], answer.ToolCalls.Select(c => c.Name));
        Assert.Equal(2, answer.ToolCalls.Select(c => c.Id).Distinct().Count());
        Assert.All(answer.ToolCalls, c => Assert.Equal(System.Text.Json.JsonValueKind.Object, JsonNode.Parse(c.ArgumentsJson)!.GetValueKind()));
    }

    [Theory]
    [MemberData(nameof(PairsBothWays))]
    public async Task ToolResults_RoundTripOverSeveralTurns(string client, string upstream, bool stream)
    {
        var driver = ClientDriver.ByName(client);
        var conversation = new Conversation { WithTools = true };
        driver.AddUser(conversation, "Call get_weather for Oslo and get_time for Europe/Oslo.");
        var (first, _) = await SendAsync(driver, upstream, "sim-small", conversation, stream);
        Assert.Equal(2, first.ToolCalls.Count);

        driver.AddAssistant(conversation, first);
        driver.AddToolResults(conversation, first.ToolCalls, ToolResult);
        var (second, _) = await SendAsync(driver, upstream, "sim-small", conversation, stream);
        Assert.Empty(second.ToolCalls);
        Assert.NotEmpty(second.Text);
        Assert.Equal("end", second.Stop);

        driver.AddAssistant(conversation, second);
        driver.AddUser(conversation, "Thanks. Now say goodbye.");
        var (third, response) = await SendAsync(driver, upstream, "sim-small", conversation, stream);
        Assert.NotEmpty(third.Text);
        Assert.NotEqual(second.Text, third.Text);
        await AssertUsageMatchesSimulatorAsync(upstream, response, third);
    }

    [Theory]
    [MemberData(nameof(PairsBothWays))]
    public async Task Reasoning_RoundTripsWithItsOpaquePartsIntact(string client, string upstream, bool stream)
    {
        var driver = ClientDriver.ByName(client);
        var conversation = new Conversation { WithTools = true, Reasoning = true };
        driver.AddUser(conversation, "Think, then use get_weather for Lima.");
        var (first, _) = await SendAsync(driver, upstream, "sim-reasoner", conversation, stream);
        Assert.Single(first.ToolCalls);
        if (client != "chat" && upstream != "chat")
        {
            // Chat Completions has no place for opaque reasoning (neither to send nor to receive it); every other
            // protocol must carry it to the client.
            Assert.NotEmpty(first.Opaque);
        }

        driver.AddAssistant(conversation, first);
        driver.AddToolResults(conversation, first.ToolCalls, ToolResult);

        // The simulator verifies echoed signatures and encrypted content of its own dialect and answers 400 when a
        // single byte differs, so a 200 here proves the opaque parts survived the trip through the client.
        var (second, _) = await SendAsync(driver, upstream, "sim-reasoner", conversation, stream);
        Assert.NotEmpty(second.Text);
        Assert.Equal("end", second.Stop);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task ErrorsBeforeCommit_AreNativeWithRetryAfter(string client, string upstream)
    {
        var driver = ClientDriver.ByName(client);
        // After a 429 the key cools down (the upstream's Retry-After, else 5 s), and a request during the cool-down is
        // answered by Warden with the time left: so a 429's Retry-After is at most the upstream's, and at least 1.
        foreach (var (model, status, maxRetryAfter) in new (string, HttpStatusCode, int?)[]
        {
            ("sim-small~429-2", HttpStatusCode.TooManyRequests, 2),
            ("sim-small~429-0", HttpStatusCode.TooManyRequests, 5),
            ("sim-small~529", HttpStatusCode.ServiceUnavailable, 1),
            ("sim-small~500", HttpStatusCode.BadGateway, null),
            ("no-such-model", HttpStatusCode.NotFound, null),
        })
        {
            foreach (bool stream in new[] { false, true })
            {
                var conversation = new Conversation();
                driver.AddUser(conversation, "hello");
                using var response = await fixture.For(upstream).Http.SendAsync(driver.BuildRequest(fixture.For(upstream).Url, fixture.For(upstream).DemoKey, model, conversation, stream));
                Assert.Equal(status, response.StatusCode);
                Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
                string message = driver.ErrorMessage(JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
                Assert.False(string.IsNullOrWhiteSpace(message));
                Assert.Single(response.Headers.GetValues("x-request-id"));
                int? retryAfter = response.Headers.TryGetValues("Retry-After", out var values) ? int.Parse(values.Single(), System.Globalization.CultureInfo.InvariantCulture) : null;
                if (maxRetryAfter is { } max)
                {
                    Assert.InRange(retryAfter ?? 0, 1, max);
                }
                else
                {
                    Assert.Null(retryAfter);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task ErrorsAfterCommit_AreReportedInsideTheStream(string client, string upstream)
    {
        var driver = ClientDriver.ByName(client);
        foreach (string model in new[] { "sim-small~midstream-error", "sim-small~disconnect-3" })
        {
            var conversation = new Conversation();
            driver.AddUser(conversation, "Tell me a long story about relays.");
            var (answer, response) = await SendAsync(driver, upstream, model, conversation, stream: true);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(string.IsNullOrEmpty(answer.StreamError), $"{model}: the client must see an in-protocol error");
            Assert.False(answer.ClosedProperly && answer.Stop == "end", $"{model}: a broken stream must not look complete");
        }
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task ClientDisconnectMidStream_CancelsTheUpstreamCall(string client, string upstream)
    {
        var driver = ClientDriver.ByName(client);
        var server = fixture.For(upstream);
        var conversation = new Conversation();
        driver.AddUser(conversation, "Tell me a long story about relays.");
        string wardenId;
        using (var request = driver.BuildRequest(server.Url, server.DemoKey, "sim-small~pace-1000", conversation, stream: true))
        {
            using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            wardenId = response.Headers.GetValues("x-request-id").Single();
            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[1];
            Assert.Equal(1, await body.ReadAsync(buffer));
        }

        // Disposing the response closed the connection. Warden's record names the upstream call; the simulator's own
        // journal says how that call ended (polled, never timed).
        var row = await WaitForAsync(async () => (await server.FlushUsageAndReadAsync()).SingleOrDefault(r => r.Id == wardenId));
        Assert.Equal("client_cancelled", row.Outcome);
        var entry = await WaitForAsync(() => Task.FromResult(fixture.Simulator.Journal.Find(row.UpstreamRequestId!) is { Outcome: not SimulatorOutcome.Completed } e && e.FinishedAt != default ? e : null));
        Assert.Equal(SimulatorOutcome.ClientCancelled, entry.Outcome);
    }

    private async Task<(Observed Answer, HttpResponseMessage Response)> SendAsync(ClientDriver driver, string upstream, string model, Conversation conversation, bool stream)
    {
        var server = fixture.For(upstream);
        using var request = driver.BuildRequest(server.Url, server.DemoKey, model, conversation, stream);
        var response = await server.Http.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{driver}→{upstream} {model}: HTTP {(int)response.StatusCode}: {body}");
        var answer = stream ? driver.ParseStream(body) : driver.ParseJson(JsonNode.Parse(body)!);
        return (answer, response);
    }

    /// <summary>The usage the client saw equals what the simulator reported upstream, and what Warden recorded.</summary>
    private async Task AssertUsageMatchesSimulatorAsync(string upstream, HttpResponseMessage response, Observed answer)
    {
        var server = fixture.For(upstream);
        var row = await server.UsageForAsync(response.Headers.GetValues("x-request-id").Single());
        var entry = fixture.Simulator.Journal.Find(row.UpstreamRequestId!);
        Assert.NotNull(entry);
        var reported = entry.Usage!;
        Assert.Equal(reported.PromptTokens, answer.InputTokens);
        Assert.Equal(reported.CompletionTokens, answer.OutputTokens);
        Assert.Equal(reported.PromptTokens, row.InputTokens);
        Assert.Equal(reported.CompletionTokens, row.OutputTokens);
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe)
        where T : class
    {
        // Bounded polling for something another process finishes; the bound is a safety net, not an assertion on speed.
        for (int attempt = 0; attempt < 200; attempt++)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The expected record never appeared.");
    }
}
