#pragma warning disable RS0030 // Tests talk to the real Kestrel simulator with a plain HttpClient; the product's named clients are not in play here.

using System.Net;
using System.Text.Json;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

/// <summary>Faults chosen by the URL ("/_fault/{faults}/v1/..."), so two channels on one simulator behave differently.</summary>
public sealed class SimulatorPathFaultTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    public static TheoryData<string, bool> DialectsStreamedOrNot()
    {
        var data = new TheoryData<string, bool>();
        foreach (var dialect in SimulatorDialectCase.Names)
        {
            data.Add(dialect, false);
            data.Add(dialect, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DialectsStreamedOrNot))]
    public async Task PathPrefix_500_FailsThatBaseUrlOnlyInTheDialectsErrorShape(string dialect, bool stream)
    {
        var @case = SimulatorDialectCase.For(dialect);

        using var failing = await @case.PostAsync(_client, "hi", stream, faultPrefix: "500");
        using var error = JsonDocument.Parse(await failing.Content.ReadAsStringAsync());
        using var healthy = await @case.PostAsync(_client, "hi", stream);
        _ = await healthy.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, failing.StatusCode);
        Assert.Equal(dialect switch { "anthropic" => "api_error", "gemini" => "INTERNAL", _ => "server_error" }, SimulatorDialectCase.ErrorKind(dialect, error.RootElement));
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        var failed = await SimulatorDialectCalls.EntryAsync(fixture, failing);
        Assert.Equal("500", failed.Fault);
        Assert.Equal("500", failed.FaultPrefix);
        Assert.Equal(SimulatorOutcome.Faulted, failed.Outcome);
        Assert.Equal(dialect == "chat" ? "openai_chat" : dialect, failed.Dialect);
        var answered = await SimulatorDialectCalls.EntryAsync(fixture, healthy);
        Assert.Null(answered.Fault);
        Assert.Null(answered.FaultPrefix);
        Assert.Equal(SimulatorOutcome.Completed, answered.Outcome);
    }

    [Theory]
    [InlineData("/_fault/529/v1/messages/count_tokens", "anthropic", 529, "overloaded_error")]
    [InlineData("/_fault/503/v1beta/models/sim-small:countTokens", "gemini", 503, "UNAVAILABLE")]
    public async Task PathPrefix_TokenCountRoutes_GetTheFaultToo(string path, string dialect, int status, string kind)
    {
        var body = dialect == "gemini" ? SimulatorDialectCalls.Gemini("count") : SimulatorDialectCalls.Anthropic("count");
        using var response = await SimulatorDialectCalls.PostAsync(_client, path, body);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(kind, SimulatorDialectCase.ErrorKind(dialect, error.RootElement));
    }

    [Fact]
    public async Task PathPrefix_CommaSeparatedList_AppliesEveryFault()
    {
        using var response = await SimulatorDialectCalls.PostAsync(_client, "/_fault/latency-1,nousage/v1/chat/completions", SimulatorCalls.Request("list"));
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(answer.RootElement.TryGetProperty("usage", out _));
        var entry = await SimulatorDialectCalls.EntryAsync(fixture, response);
        Assert.Same(entry, fixture.Host.Journal.ForPrefix("latency-1,nousage").Single());
        Assert.Equal("latency-1,nousage", entry.Fault);
        Assert.Equal(SimulatorOutcome.Completed, entry.Outcome);
        Assert.Null(entry.Usage);
    }

    [Theory]
    [InlineData("500,nousage", "sim-small~503", "429-2", 429, "nousage,429-2")]     // header beats suffix beats path
    [InlineData("500,nousage", "sim-small~503", null, 503, "nousage,503")]           // suffix beats path
    [InlineData("latency-1,500", "sim-small", "latency-2", 500, "500,latency-2")]    // same kind: header wins
    public async Task PathPrefix_WithSuffixAndHeader_MergesPathThenSuffixThenHeader(string prefix, string model, string? header, int status, string effective)
    {
        using var response = await SimulatorDialectCalls.PostAsync(_client, $"/_fault/{prefix}/v1/chat/completions", SimulatorCalls.Request("merge", model), header);
        _ = await response.Content.ReadAsStringAsync();

        Assert.Equal(status, (int)response.StatusCode);
        var entry = await SimulatorDialectCalls.EntryAsync(fixture, response);
        Assert.Equal(effective, entry.Fault);
        Assert.Equal(prefix, entry.FaultPrefix);
        Assert.Equal(status switch { 429 => "2", 503 => "1", _ => null }, response.Headers.TryGetValues("Retry-After", out var values) ? values.Single() : null);
    }

    [Theory]
    [InlineData("explode", "explode")]
    [InlineData("latency", "needs a parameter")]
    [InlineData("500,,nousage", "empty entry")]
    [InlineData("first-2", "first-N:faults")]
    [InlineData("first-0:500", "first-N:faults")]
    [InlineData("first-x:500", "first-N:faults")]
    [InlineData("first-2:", "empty entry")]
    [InlineData("first-2:first-1:500", "'first-1:500'")]
    public async Task PathPrefix_InvalidFaults_Rejects400LikeOtherInvalidFaults(string prefix, string reason)
    {
        using var response = await SimulatorDialectCalls.PostAsync(_client, $"/_fault/{prefix}/v1/chat/completions", SimulatorCalls.Request("bad"));
        var error = await SimulatorDialectCalls.ReadErrorAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_simulator_fault", error.GetProperty("code").GetString());
        Assert.Contains(reason, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        var entry = await SimulatorDialectCalls.EntryAsync(fixture, response);
        Assert.Equal(SimulatorOutcome.Rejected, entry.Outcome);
        Assert.Equal(prefix, entry.FaultPrefix);
    }

    [Fact]
    public async Task PathPrefix_InvalidFaultOnAnthropic_AnswersInAnthropicShape()
    {
        using var response = await SimulatorDialectCalls.PostAsync(_client, "/_fault/teleport/v1/messages", SimulatorDialectCalls.Anthropic("bad"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", SimulatorDialectCase.ErrorKind("anthropic", body.RootElement));
    }

    [Theory]
    [InlineData("/_fault/503/v1/models", 503, "server_error")]
    [InlineData("/_fault/429/v1beta/models", 429, "RESOURCE_EXHAUSTED")]
    [InlineData("/_fault/bogus/v1/models", 400, "invalid_request_error")]
    public async Task PathPrefix_ModelLists_GetErrorStatusAndInvalidFaults(string path, int status, string kind)
    {
        using var response = await _client.GetAsync(new Uri(path, UriKind.Relative));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(kind, SimulatorDialectCase.ErrorKind(path.Contains("v1beta", StringComparison.Ordinal) ? "gemini" : "chat", body.RootElement));
    }

    [Theory]
    [InlineData("/_fault/nousage/v1/models", "data", "id", "sim-small")]
    [InlineData("/_fault/latency-1/v1beta/models", "models", "name", "models/sim-small")]
    public async Task PathPrefix_ModelLists_AnswerWhenNoStatusFault(string path, string list, string field, string first)
    {
        using var body = JsonDocument.Parse(await _client.GetStringAsync(new Uri(path, UriKind.Relative)));

        Assert.Equal(first, body.RootElement.GetProperty(list)[0].GetProperty(field).GetString());
    }

    [Fact]
    public async Task FirstN_FailsTheFirstNRequestsUnderThePrefixThenAnswers()
    {
        const string Prefix = "first-2:500";
        var statuses = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await SimulatorDialectCalls.PostAsync(_client, $"/_fault/{Prefix}/v1/chat/completions", SimulatorCalls.Request("count " + i));
            _ = await response.Content.ReadAsStringAsync();
            statuses.Add((int)response.StatusCode);
            await SimulatorDialectCalls.EntryAsync(fixture, response);
        }

        Assert.Equal([500, 500, 200, 200], statuses);
        Assert.Equal(4, fixture.Host.FaultCounters.Count(Prefix));
        Assert.Equal(4, fixture.Host.Journal.CountForPrefix(Prefix));
        var entries = fixture.Host.Journal.ForPrefix(Prefix);
        Assert.Equal(["500", "500", null, null], entries.Select(e => e.Fault));
        Assert.All(entries, e => Assert.Equal(Prefix, e.FaultPrefix));
        Assert.Equal(2, fixture.Host.Journal.WithFault("500").Count(e => e.FaultPrefix == Prefix));
    }

    [Fact]
    public async Task FirstN_CountsEveryRouteUnderTheExactPrefixText()
    {
        // One window shared by every dialect under the prefix; a prefix with other text counts apart.
        using var anthropic = await SimulatorDialectCase.For("anthropic").PostAsync(_client, "a", stream: false, faultPrefix: "first-2:529");
        using var gemini = await SimulatorDialectCase.For("gemini").PostAsync(_client, "b", stream: true, faultPrefix: "first-2:529");
        using var chat = await SimulatorDialectCase.For("chat").PostAsync(_client, "c", stream: false, faultPrefix: "first-2:529");
        using var other = await SimulatorDialectCase.For("chat").PostAsync(_client, "d", stream: false, faultPrefix: "first-2:529,nousage");

        Assert.Equal([529, 529, 200, 529], new[] { anthropic, gemini, chat, other }.Select(r => (int)r.StatusCode));
        Assert.Equal(3, fixture.Host.FaultCounters.Count("first-2:529"));
        Assert.Equal(1, fixture.Host.FaultCounters.Count("first-2:529,nousage"));
    }

    [Fact]
    public async Task FirstN_ConcurrentRequests_ExactlyNFail()
    {
        const string Prefix = "first-3:503";
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
        {
            using var response = await SimulatorDialectCalls.PostAsync(_client, $"/_fault/{Prefix}/v1/chat/completions", SimulatorCalls.Request("race " + i));
            _ = await response.Content.ReadAsStringAsync();
            return (int)response.StatusCode;
        }));

        Assert.Equal(3, responses.Count(status => status == 503));
        Assert.Equal(7, responses.Count(status => status == 200));
    }

    [Fact]
    public async Task FaultBaseUrl_GivesAChannelBaseUrlWithItsOwnFaults()
    {
        var baseUrl = fixture.Host.FaultBaseUrl("first-1:429-3");
        Assert.Equal(fixture.Host.RootUrl + "_fault/first-1:429-3/v1/", baseUrl.AbsoluteUri);
        Assert.Equal(fixture.Host.RootUrl + "_fault/500/v1beta/", fixture.Host.FaultGeminiBaseUrl("500").AbsoluteUri);
        using var channel = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };

        using var first = await SimulatorCalls.PostAsync(channel, SimulatorCalls.Request("one"));
        using var second = await SimulatorCalls.PostAsync(channel, SimulatorCalls.Request("two"));

        Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        Assert.Equal("3", Assert.Single(first.Headers.GetValues("Retry-After")));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }
}
