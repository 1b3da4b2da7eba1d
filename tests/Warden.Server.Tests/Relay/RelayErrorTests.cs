using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Warden.Server.Keys;
using Warden.Server.Simulator;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Relay;

/// <summary>A Warden with a second channel to a fault-injecting simulator, and one to a port nobody listens on.</summary>
public sealed class FaultFixture : IAsyncLifetime
{
    public static readonly string[] FaultModels =
    [
        "sim-small~429-3", "sim-small~429-0", "sim-small~503", "sim-small~500", "sim-small~529",
        "sim-small~malformed", "sim-small~disconnect-3", "sim-small~pace-100", "sim-small~nousage",
    ];

    internal WardenTestServer Server { get; private set; } = null!;

    internal SimulatorHost Faults { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await WardenTestServer.StartAsync(o => o with { MaxRequestBodyBytes = 64 * 1024 });
        Faults = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0 }, CancellationToken.None);
        Server.AddChannel("faults", Faults.BaseUrl, null, FaultModels);

        // A port that was free a moment ago and is closed now: connecting is refused.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        Server.AddChannel("refused", new Uri($"http://127.0.0.1:{port}/v1/"), null, "nobody-home");
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Faults.DisposeAsync();
    }
}

/// <summary>Every error class of the foundation: each in OpenAI's error JSON, with a request id, and Retry-After on 429/503.</summary>
public sealed class RelayErrorTests(FaultFixture fixture) : IClassFixture<FaultFixture>
{
    private WardenTestServer Server => fixture.Server;

    [Fact]
    public async Task MalformedJson_Returns400NamingWhereItBroke()
    {
        using var response = await Server.Http.SendAsync(Requests.Chat(Server.DemoKey, "{\"model\":\"sim-small\",\n\"messages\": [}"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await Requests.ErrorAsync(response);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains("line 2", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await AssertRecordedAsync(response, 400, "client_error");
    }

    [Theory]
    [InlineData("{\"messages\":[]}")]
    [InlineData("{\"model\":42,\"messages\":[]}")]
    public async Task MissingOrInvalidModel_Returns400WithParamModel(string body)
    {
        using var response = await Server.Http.SendAsync(Requests.Chat(Server.DemoKey, body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("model", (await Requests.ErrorAsync(response)).GetProperty("param").GetString());
    }

    [Fact]
    public async Task NoKey_Returns401()
    {
        using var response = await Server.Http.SendAsync(Requests.Chat(null, Requests.Body("sim-small", "hi")));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_api_key", (await Requests.ErrorAsync(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task UnknownKey_Returns401WithoutEchoingTheKey()
    {
        const string bogus = "wdn_this-key-was-never-issued-0123456789abcdefghijk";
        using var response = await Server.Http.SendAsync(Requests.Chat(bogus, Requests.Body("sim-small", "hi")));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await Requests.ErrorAsync(response);
        Assert.DoesNotContain(bogus, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokedKey_Returns401()
    {
        var issued = Server.App.Data.KeyIssuer.Issue("to-revoke", KeyRole.Client, null, null);
        Server.Reload();
        using (var before = await Server.Http.SendAsync(Requests.Chat(issued.Plaintext, Requests.Body("sim-small", "hi"))))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        Assert.True(Server.App.Data.Keys.Revoke(issued.Key.Id));
        Server.Reload();
        using var after = await Server.Http.SendAsync(Requests.Chat(issued.Plaintext, Requests.Body("sim-small", "hi")));
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("revoked", (await Requests.ErrorAsync(after)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredKey_Returns401()
    {
        var issued = Server.App.Data.KeyIssuer.Issue("expired", KeyRole.Client, null, new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Server.Reload();
        using var response = await Server.Http.SendAsync(Requests.Chat(issued.Plaintext, Requests.Body("sim-small", "hi")));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("expired", (await Requests.ErrorAsync(response)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminKey_CannotCallModels()
    {
        using var response = await Server.Http.SendAsync(Requests.Chat(Server.AdminKey, Requests.Body("sim-small", "hi")));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.StartsWith("Admin keys cannot call models", (await Requests.ErrorAsync(response)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelNotAllowedForKey_Returns403()
    {
        var issued = Server.App.Data.KeyIssuer.Issue("only-large", KeyRole.Client, ["sim-large"], null);
        Server.Reload();
        using var allowed = await Server.Http.SendAsync(Requests.Chat(issued.Plaintext, Requests.Body("sim-large", "hi")));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        using var refused = await Server.Http.SendAsync(Requests.Chat(issued.Plaintext, Requests.Body("sim-small", "hi")));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("model_not_allowed", (await Requests.ErrorAsync(refused)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task UnknownModel_Returns404()
    {
        using var response = await Server.Http.SendAsync(Requests.Chat(Server.DemoKey, Requests.Body("gpt-nonexistent", "hi")));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = await Requests.ErrorAsync(response);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task BodyOverLimit_Returns413_WithContentLengthAndChunked()
    {
        string big = Requests.Body("sim-small", new string('a', 100 * 1024));
        using (var response = await Server.Http.SendAsync(Requests.Chat(Server.DemoKey, big)))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Equal("request_too_large", (await Requests.ErrorAsync(response)).GetProperty("code").GetString());
        }

        // Without Content-Length the limit is found while reading.
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StreamContent(new UnseekableStream(Encoding.UTF8.GetBytes(big))),
        };
        chunked.Headers.Authorization = new("Bearer", Server.DemoKey);
        chunked.Content.Headers.ContentType = new("application/json");
        using var chunkedResponse = await Server.Http.SendAsync(chunked);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunkedResponse.StatusCode);
    }

    [Fact]
    public async Task BodyUnderLimit_AgentSized_IsRelayed()
    {
        // 60 KB: the size of a real agent turn, under this server's 64 KB test limit.
        using var response = await Server.Http.SendAsync(Requests.Chat(Server.DemoKey, Requests.Body("sim-small", new string('b', 60 * 1024))));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("sim-small~429-3", 429, "3")]
    [InlineData("sim-small~429-0", 429, "5")]   // the upstream sent none: Warden sends the cool-down it applies to that key (Codex needs one)
    [InlineData("sim-small~503", 503, "1")]
    [InlineData("sim-small~529", 503, "1")]
    public async Task UpstreamRateLimitOrOverload_IsPassedOnWithRetryAfter(string model, int status, string retryAfter)
    {
        using var response = await Server.Http.SendAsync(Requests.Chat(Server.DemoKey, Requests.Body(model, "hi")));
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(retryAfter, response.Headers.GetValues("Retry-After").Single());
        await Requests.ErrorAsync(response);
        await AssertRecordedAsync(response, status, "upstream_error");
    }

    [Fact]
    public async Task Upstream500_Returns502()
    {
        using var response = await Server.Http.SendAsync(Requests.Chat(Server.DemoKey, Requests.Body("sim-small~500", "hi")));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_error", (await Requests.ErrorAsync(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task UpstreamConnectRefused_Returns502()
    {
        using var response = await Server.Http.SendAsync(Requests.Chat(Server.DemoKey, Requests.Body("nobody-home", "hi")));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_unavailable", (await Requests.ErrorAsync(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task UpstreamMalformedJson_NonStreamed_Returns502ProtocolError()
    {
        using var response = await Server.Http.SendAsync(Requests.Chat(Server.DemoKey, Requests.Body("sim-small~malformed", "hi")));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_protocol_error", (await Requests.ErrorAsync(response)).GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("sim-small~malformed")]
    [InlineData("sim-small~disconnect-3")]
    public async Task UpstreamBreaksStreamAfterCommit_ClientGetsInStreamErrorChunk(string model)
    {
        using var response = await Server.Http.SendAsync(
            Requests.Chat(Server.DemoKey, Requests.Body(model, "Tell me a long story about relays.", stream: true)),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = await Sse.ReadDataAsync(response);
        var chunks = Sse.JsonChunks(data).ToList();
        Assert.True(chunks.Count >= 2, "some output was relayed before the break");
        var last = chunks[^1];
        Assert.Equal("upstream_stream_broken", last.GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain("[DONE]", data);
        await AssertRecordedAsync(response, 200, "upstream_cut_stream");
    }

    [Fact]
    public async Task UpstreamReportsNoUsage_RecordSaysNotReportedNotZero()
    {
        using var response = await Server.Http.SendAsync(Requests.Chat(Server.DemoKey, Requests.Body("sim-small~nousage", "hi")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var row = await Server.UsageForAsync(response.Headers.GetValues("x-request-id").Single());
        Assert.Equal("not_reported", row.UsageSource);
        Assert.Null(row.InputTokens);
        Assert.Null(row.OutputTokens);
    }

    [Fact]
    public async Task ClientDisconnectsMidStream_UpstreamCallIsCancelledAndRecorded()
    {
        using var cancel = new CancellationTokenSource();
        // MaxResponseDrainSize = 0: disposing the response closes the connection instead of quietly reading the rest,
        // which is what a client that goes away does.
#pragma warning disable RS0030 // the test is a plain client
        using var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = Server.Url };
#pragma warning restore RS0030
        using var response = await client.SendAsync(
            Requests.Chat(Server.DemoKey, Requests.Body("sim-small~pace-100", "A slow stream, please, about many things at length.", stream: true)),
            HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        string requestId = response.Headers.GetValues("x-request-id").Single();
        await using (var stream = await response.Content.ReadAsStreamAsync(cancel.Token))
        {
            var buffer = new byte[64];
            Assert.True(await stream.ReadAsync(buffer, cancel.Token) > 0);
            await cancel.CancelAsync();
        }

        response.Dispose();
        UsageRow? row = null;
        for (int i = 0; i < 200 && row is null; i++)
        {
            await Server.FlushUsageAsync();
            row = WardenTestServer.ReadUsage(Server.DataDirectory).SingleOrDefault(r => r.Id == requestId);
            if (row is null)
            {
                await Task.Delay(25);
            }
        }

        Assert.NotNull(row);
        Assert.Equal("client_cancelled", row!.Outcome);
        Assert.Equal(499, row.Status);

        SimulatorJournalEntry? entry = null;
        for (int i = 0; i < 200 && entry?.Outcome != SimulatorOutcome.ClientCancelled; i++)
        {
            entry = fixture.Faults.Journal.Find(row.UpstreamRequestId!);
            await Task.Delay(25);
        }

        Assert.Equal(SimulatorOutcome.ClientCancelled, entry?.Outcome);
    }

    [Fact]
    public async Task UnknownEndpointAndWrongMethod_AnswerInOpenAIErrorJson()
    {
        using var notFound = await Server.Http.GetAsync("v1/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        await Requests.ErrorAsync(notFound);

        using var wrongMethod = await Server.Http.GetAsync("v1/chat/completions");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        await Requests.ErrorAsync(wrongMethod);
    }

    [Fact]
    public async Task ErrorBodies_NeverCarryStackTracesOrCredentials()
    {
        string[] models = ["sim-small~500", "sim-small~malformed", "nobody-home", "gpt-nonexistent"];
        foreach (string model in models)
        {
            using var response = await Server.Http.SendAsync(Requests.Chat(Server.DemoKey, Requests.Body(model, "hi")));
            string body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
            Assert.DoesNotContain(Server.DemoKey, body, StringComparison.Ordinal);
            JsonDocument.Parse(body);
        }
    }

    private async Task AssertRecordedAsync(HttpResponseMessage response, int status, string outcome)
    {
        var row = await Server.UsageForAsync(response.Headers.GetValues("x-request-id").Single());
        Assert.Equal(status, row.Status);
        Assert.Equal(outcome, row.Outcome);
    }

    /// <summary>A stream without a length, so HttpClient sends the body chunked.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
