using System.Diagnostics;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

public sealed class SimulatorFaultTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Theory]
    [InlineData("429", "1")]
    [InlineData("429-7", "7")]
    [InlineData("429-0", null)]
    public async Task ChatCompletions_RateLimitFault_Returns429WithExpectedRetryAfter(string fault, string? retryAfter)
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("hi"), fault);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        if (retryAfter is null)
        {
            Assert.False(response.Headers.Contains("Retry-After"));
        }
        else
        {
            Assert.Equal(retryAfter, Assert.Single(response.Headers.GetValues("Retry-After")));
        }

        var error = await ReadErrorAsync(response);
        Assert.Equal("rate_limit_exceeded", error.GetProperty("type").GetString());
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        var entry = fixture.Host.Journal.Find(SimulatorCalls.ReadId(response));
        Assert.Equal(SimulatorOutcome.Faulted, entry?.Outcome);
        Assert.Equal(fault, entry?.Fault);
    }

    [Theory]
    [InlineData("500", 500, null)]
    [InlineData("503", 503, "1")]
    [InlineData("529", 529, null)]
    public async Task ChatCompletions_ServerErrorFault_ReturnsStatusWithOpenAiErrorBody(string fault, int status, string? retryAfter)
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("hi", stream: true), fault);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(retryAfter, response.Headers.TryGetValues("Retry-After", out var values) ? Assert.Single(values) : null);
        var error = await ReadErrorAsync(response);
        Assert.Contains(fault, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task ChatCompletions_FaultInModelSuffix_AppliesAndIsStrippedFromModel()
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("hi", model: "sim-small~429"));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);

        using var completion = await SimulatorCalls.CompleteAsync(_client, SimulatorCalls.Request("hi", model: "sim-large~latency-1~nousage"));
        Assert.Equal("sim-large", completion.RootElement.GetProperty("model").GetString());
        Assert.False(completion.RootElement.TryGetProperty("usage", out _));
    }

    [Fact]
    public async Task ChatCompletions_HeaderAndSuffixFaults_HeaderWins()
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("hi", model: "sim-small~500"), "503");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("503", fixture.Host.Journal.Find(SimulatorCalls.ReadId(response))?.Fault);
    }

    [Fact]
    public async Task ChatCompletions_CommaSeparatedHeaderFaults_AllApply()
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("hi"), "latency-5, nousage");
        using var completion = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(completion.RootElement.TryGetProperty("usage", out _));
        var entry = fixture.Host.Journal.Find(SimulatorCalls.ReadId(response));
        Assert.Equal("latency-5,nousage", entry?.Fault);
        Assert.Equal(SimulatorOutcome.Completed, entry?.Outcome);
        Assert.Null(entry?.Usage);
    }

    [Theory]
    [InlineData("explode", null)]
    [InlineData(null, "sim-small~explode-3")]
    [InlineData("latency", null)]
    [InlineData("500-2", null)]
    public async Task ChatCompletions_UnknownOrInvalidFault_Returns400NamingTheFault(string? header, string? model)
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("hi", model: model ?? "sim-small"), header);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ReadErrorAsync(response);
        var named = (header ?? model!.Split('~')[1]).Split('-')[0];
        Assert.Contains(named, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletions_LatencyFault_DelaysTheResponse()
    {
        var clock = Stopwatch.StartNew();

        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("slow"), "latency-300");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(290), $"answered after {clock.Elapsed}");
    }

    [Fact]
    public async Task ChatCompletions_StallFaultStreamed_PausesAfterTheFirstChunk()
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("stall", stream: true), "stall-400");
        await using var stream = await response.Content.ReadAsStreamAsync();
        var arrivals = new List<TimeSpan>();
        var clock = Stopwatch.StartNew();

        await foreach (var item in SseParser.Create(stream).EnumerateAsync())
        {
            arrivals.Add(clock.Elapsed);
        }

        Assert.True(arrivals[1] - arrivals[0] >= TimeSpan.FromMilliseconds(390), $"gap was {arrivals[1] - arrivals[0]}");
        Assert.True(arrivals[^1] - arrivals[1] < TimeSpan.FromMilliseconds(390), "only the first gap stalls");
    }

    [Fact]
    public async Task ChatCompletions_DisconnectFaultStreamed_AbortsAfterNContentChunks()
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("cut me off", stream: true), "disconnect-2");
        await using var stream = await response.Content.ReadAsStreamAsync();
        var events = new List<string>();

        var failure = await Record.ExceptionAsync(async () =>
        {
            await foreach (var item in SseParser.Create(stream).EnumerateAsync())
            {
                events.Add(item.Data);
            }
        });

        Assert.IsAssignableFrom<IOException>(failure);
        var chunks = SimulatorCalls.ParseChunks(events);
        Assert.Equal(3, chunks.Length);
        Assert.DoesNotContain("[DONE]", events);
        Assert.All(chunks, chunk => Assert.Equal(JsonValueKind.Null, SimulatorCalls.Choice(chunk).GetProperty("finish_reason").ValueKind));
        Assert.Equal(2, chunks.Count(chunk => SimulatorCalls.Choice(chunk).GetProperty("delta").TryGetProperty("content", out var c) && c.GetString()!.Length > 0));
        Assert.Equal(SimulatorOutcome.Faulted, fixture.Host.Journal.Find(SimulatorCalls.ReadId(response))?.Outcome);
    }

    [Fact]
    public async Task ChatCompletions_DisconnectFaultNonStreamed_AbortsBeforeAnyResponse()
    {
        var failure = await Record.ExceptionAsync(() => SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("gone"), "disconnect-0"));

        Assert.IsType<HttpRequestException>(failure);
    }

    [Fact]
    public async Task ChatCompletions_MalformedFaultStreamed_SendsBrokenEventAndNoDone()
    {
        var events = await SimulatorCalls.StreamAsync(_client, SimulatorCalls.Request("break it", stream: true), "malformed");

        Assert.Equal(2, events.Count);
        using var first = JsonDocument.Parse(events[0]);
        Assert.Equal("assistant", SimulatorCalls.Choice(first).GetProperty("delta").GetProperty("role").GetString());
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(events[1]));
        Assert.StartsWith("{\"id\":", events[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletions_MalformedFaultNonStreamed_Sends200WithTruncatedJson()
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("break it"), "malformed");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("{\"id\":\"chatcmpl-", body, StringComparison.Ordinal);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(body));
    }

    [Fact]
    public async Task ChatCompletions_NoUsageFaultStreamed_OmitsUsageEvenWhenAsked()
    {
        var events = await SimulatorCalls.StreamAsync(_client, SimulatorCalls.Request("frugal", stream: true, includeUsage: true), "nousage");

        var chunks = SimulatorCalls.ParseChunks(events);
        Assert.Equal("[DONE]", events[^1]);
        Assert.All(chunks, chunk => Assert.False(chunk.RootElement.TryGetProperty("usage", out _)));
        Assert.All(chunks, chunk => Assert.Equal(1, chunk.RootElement.GetProperty("choices").GetArrayLength()));
        Assert.Equal("stop", SimulatorCalls.Choice(chunks[^1]).GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task ChatCompletions_HugeFault_AnswersWithNKilobytesOfContent()
    {
        using var completion = await SimulatorCalls.CompleteAsync(_client, SimulatorCalls.Request("big"), "huge-64");
        var content = SimulatorCalls.Content(completion);

        Assert.Equal(64 * 1024, content.Length);
        Assert.StartsWith("Simulated ", content, StringComparison.Ordinal);
        Assert.Equal(64 * 1024 / 4, completion.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());

        var streamed = SimulatorCalls.ParseChunks(await SimulatorCalls.StreamAsync(_client, SimulatorCalls.Request("big", stream: true), "huge-64"));
        Assert.Equal(content, SimulatorCalls.Concat(streamed, "content"));
    }

    [Fact]
    public async Task ChatCompletions_PaceFault_SpacesEveryChunk()
    {
        var clock = Stopwatch.StartNew();

        var events = await SimulatorCalls.StreamAsync(_client, SimulatorCalls.Request("pace", stream: true), "pace-20");

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(20 * (events.Count - 1)), $"{events.Count} events in {clock.Elapsed}");
    }

    private static async Task<JsonElement> ReadErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("error").Clone();
    }
}
