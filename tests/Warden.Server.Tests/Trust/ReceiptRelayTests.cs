using System.Net;
using System.Text.Json;
using Warden.Core.Trust;
using Warden.Server.Keys;
using Warden.Server.Tests.Conformance;

namespace Warden.Server.Tests.Trust;

/// <summary>
/// Receipts on relayed calls, through a real Warden to the simulator: the header of a complete answer, the final SSE
/// comment of a stream (pass-through and translated), the stored copy behind GET /v1/receipts/{id}.
/// </summary>
public sealed class ReceiptRelayTests(ConformanceFixture fixture) : IClassFixture<ConformanceFixture>
{
    public static TheoryData<string, string> NonStreamed() => new()
    {
        { "chat", "chat" }, { "chat", "anthropic" }, { "anthropic", "anthropic" }, { "anthropic", "chat" },
    };

    public static TheoryData<string, string> Streamed() => new()
    {
        { "chat", "chat" }, { "chat", "anthropic" }, { "anthropic", "anthropic" }, { "anthropic", "responses" },
        { "responses", "responses" }, { "responses", "gemini" },
    };

    public static TheoryData<string, string> GeminiStreams() => new()
    {
        { "gemini", "gemini" }, { "gemini", "chat" }, { "gemini-array", "gemini" }, { "gemini-array", "anthropic" },
    };

    [Theory]
    [MemberData(nameof(NonStreamed))]
    public async Task CompleteAnswer_CarriesAReceiptHeader_ThatVerifiesAgainstTheBodies(string client, string upstream)
    {
        var server = fixture.For(upstream);
        var (request, requestBody) = ReceiptWire.Build(client, server.DemoKey, stream: false);
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        string jws = Assert.Single(response.Headers.GetValues("Warden-Receipt"));

        var claims = ReceiptWire.AssertVerifies(jws, await ReceiptWire.JwksAsync(server), requestBody, body);
        Assert.Equal(ReceiptJson.Sha256Hex(body), claims.ResponseSha256);
        Assert.Equal(ReceiptJson.Sha256Hex(requestBody), claims.ClientRequestSha256);
        Assert.Equal(Assert.Single(response.Headers.GetValues("x-request-id")), claims.RequestId);
        Assert.Equal("sim-small", claims.RequestedModel);
        Assert.Equal("sim-small", claims.ServedModel);
        Assert.Equal("sim-" + upstream, claims.Channel);
        Assert.Equal("none", claims.Retention);
        Assert.True(claims.Usage.InputTokens > 0);
        var attempt = Assert.Single(claims.Attempts);
        Assert.Equal(("ok", 200), (attempt.Outcome, attempt.Status));
        Assert.NotNull(claims.UpstreamRequestSha256);
        if (client == upstream)
        {
            // Pass-through: the client's bytes went upstream unchanged.
            Assert.Equal(claims.ClientRequestSha256, claims.UpstreamRequestSha256);
        }
        else
        {
            Assert.NotEqual(claims.ClientRequestSha256, claims.UpstreamRequestSha256);
        }

        var usage = await server.UsageForAsync(claims.RequestId);
        Assert.Equal(usage.KeyId, claims.KeyFingerprint);
    }

    [Theory]
    [MemberData(nameof(Streamed))]
    public async Task Stream_EndsWithTheReceiptComment_WhoseHashCoversEveryByteBeforeIt(string client, string upstream)
    {
        var server = fixture.For(upstream);
        var (request, requestBody) = ReceiptWire.Build(client, server.DemoKey, stream: true);
        using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Warden-Receipt"), "a stream's receipt comes at its end, not in its headers");
        byte[] received = await response.Content.ReadAsByteArrayAsync();

        var (before, jws) = ReceiptWire.SplitTrailer(received);
        var claims = ReceiptWire.AssertVerifies(jws, await ReceiptWire.JwksAsync(server), requestBody, before);
        Assert.Equal(ReceiptJson.Sha256Hex(before), claims.ResponseSha256);
        Assert.Equal(ReceiptJson.Sha256Hex(requestBody), claims.ClientRequestSha256);
        Assert.Equal("ok", Assert.Single(claims.Attempts).Outcome);
        Assert.True(claims.Usage.OutputTokens > 0);
        if (client == "chat" && upstream == "chat")
        {
            // Warden asked the upstream for stream usage: a declared change, and a different upstream body.
            Assert.Contains("added:stream_options.include_usage=true", claims.Changes);
            Assert.NotEqual(claims.ClientRequestSha256, claims.UpstreamRequestSha256);
        }

        // The stored receipt is the same one.
        using var get = new HttpRequestMessage(HttpMethod.Get, "v1/receipts/" + claims.RequestId);
        get.Headers.Authorization = new("Bearer", server.DemoKey);
        using var stored = await server.Http.SendAsync(get);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        using var json = JsonDocument.Parse(await stored.Content.ReadAsByteArrayAsync());
        Assert.Equal(jws, json.RootElement.GetProperty("receipt").GetString());
    }

    public static TheoryData<string, string, bool> LargeBodies() => new()
    {
        { "chat", "chat", false }, { "chat", "chat", true }, { "anthropic", "chat", false }, { "chat", "anthropic", true },
    };

    /// <summary>
    /// A body of over 64 KB is hashed on another thread while it goes upstream (<c>BackgroundSha256</c>), and its pooled
    /// buffer is cleared when the request ends: the receipt must still cover exactly the bytes sent, and a changed
    /// upstream body (translated, or stream_options added) must get its own hash, equal for equal requests.
    /// </summary>
    [Theory]
    [MemberData(nameof(LargeBodies))]
    public async Task ALargeBody_HashedWhileItGoesUpstream_IsCoveredByTheReceipt(string client, string upstream, bool stream)
    {
        var server = fixture.For(upstream);
        string text = string.Concat(Enumerable.Range(0, 6000).Select(i => $"part {i:D5}, "));
        var keys = await ReceiptWire.JwksAsync(server);
        var claims = new List<ReceiptClaims>();
        foreach (int round in new[] { 1, 2 })
        {
            var (request, requestBody) = ReceiptWire.Build(client, server.DemoKey, stream, text: text);
            Assert.True(requestBody.Length > 64 * 1024, $"round {round}: the body is large");
            using var response = await server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            byte[] received = await response.Content.ReadAsByteArrayAsync();
            var (body, jws) = stream ? ReceiptWire.SplitTrailer(received) : (received, Assert.Single(response.Headers.GetValues("Warden-Receipt")));

            var verified = ReceiptWire.AssertVerifies(jws, keys, requestBody, body);
            Assert.Equal(ReceiptJson.Sha256Hex(requestBody), verified.ClientRequestSha256);
            Assert.NotNull(verified.UpstreamRequestSha256);
            claims.Add(verified);
        }

        // Pass-through of a complete answer sends the client's bytes; the others send a body of their own.
        bool unchanged = client == upstream && !stream;
        Assert.Equal(unchanged, claims[0].ClientRequestSha256 == claims[0].UpstreamRequestSha256);
        Assert.Equal(claims[0].UpstreamRequestSha256, claims[1].UpstreamRequestSha256);
        Assert.NotEqual(claims[0].RequestId, claims[1].RequestId);
    }

    [Theory]
    [MemberData(nameof(GeminiStreams))]
    public async Task GeminiStream_HasNoTrailer_ButItsReceiptIsStoredWithTheWholeBodyHash(string client, string upstream)
    {
        // The @google/genai SDK (Gemini CLI) fails on any non-"data:" text at the end of an SSE stream, and the
        // JSON-array form has no comment syntax: Gemini clients get their receipt from GET /v1/receipts/{id}.
        var server = fixture.For(upstream);
        var (request, requestBody) = ReceiptWire.Build(client, server.DemoKey, stream: true);
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        string text = System.Text.Encoding.UTF8.GetString(body);
        Assert.DoesNotContain("warden-receipt", text, StringComparison.Ordinal);
        if (client == "gemini")
        {
            // Every SSE event is a data line, as the Gemini SDK's matcher requires.
            Assert.All(text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries), e => Assert.StartsWith("data: ", e, StringComparison.Ordinal));
        }
        else
        {
            using (JsonDocument.Parse(body))
            {
                // Still one valid JSON array.
            }
        }

        string id = Assert.Single(response.Headers.GetValues("x-request-id"));
        using var get = new HttpRequestMessage(HttpMethod.Get, "v1/receipts/" + id);
        get.Headers.Add("x-api-key", server.DemoKey);
        using var stored = await server.Http.SendAsync(get);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        using var json = JsonDocument.Parse(await stored.Content.ReadAsByteArrayAsync());
        Assert.Equal(id, json.RootElement.GetProperty("request_id").GetString());
        ReceiptWire.AssertVerifies(json.RootElement.GetProperty("receipt").GetString()!, await ReceiptWire.JwksAsync(server), requestBody, body);
    }

    [Fact]
    public async Task GetReceipt_AnswersOnlyTheKeyThatMadeTheRequest()
    {
        var server = fixture.For("chat");
        var (request, _) = ReceiptWire.Build("chat", server.DemoKey, stream: false);
        using var response = await server.Http.SendAsync(request);
        string id = Assert.Single(response.Headers.GetValues("x-request-id"));
        string jws = Assert.Single(response.Headers.GetValues("Warden-Receipt"));

        using var mine = new HttpRequestMessage(HttpMethod.Get, "v1/receipts/" + id);
        mine.Headers.Authorization = new("Bearer", server.DemoKey);
        using var mineResponse = await server.Http.SendAsync(mine);
        Assert.Equal(HttpStatusCode.OK, mineResponse.StatusCode);
        Assert.Equal("application/json", mineResponse.Content.Headers.ContentType?.MediaType);
        using (var json = JsonDocument.Parse(await mineResponse.Content.ReadAsByteArrayAsync()))
        {
            Assert.Equal(jws, json.RootElement.GetProperty("receipt").GetString());
        }

        var other = server.App.Data.KeyIssuer.Issue("other-" + Guid.NewGuid().ToString("N"), KeyRole.Client, null, null);
        server.Reload();
        using var theirs = new HttpRequestMessage(HttpMethod.Get, "v1/receipts/" + id);
        theirs.Headers.Authorization = new("Bearer", other.Plaintext);
        using var theirsResponse = await server.Http.SendAsync(theirs);
        Assert.Equal(HttpStatusCode.NotFound, theirsResponse.StatusCode);

        using var anonymous = await server.Http.GetAsync("v1/receipts/" + id);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task ErrorBeforeCommit_GetsNoReceipt()
    {
        var server = fixture.For("chat");
        var (request, _) = ReceiptWire.Build("chat", server.DemoKey, stream: false, model: "sim-small~500");
        using var response = await server.Http.SendAsync(request);
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Warden-Receipt"));
        string id = Assert.Single(response.Headers.GetValues("x-request-id"));
        using var get = new HttpRequestMessage(HttpMethod.Get, "v1/receipts/" + id);
        get.Headers.Authorization = new("Bearer", server.DemoKey);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.SendAsync(get)).StatusCode);
    }

    [Fact]
    public async Task BrokenStream_StillGetsAReceiptStatingItsOutcome()
    {
        var server = fixture.For("anthropic");
        var (request, requestBody) = ReceiptWire.Build("anthropic", server.DemoKey, stream: true, model: "sim-small~disconnect-3");
        using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        byte[] received = await response.Content.ReadAsByteArrayAsync();
        var (before, jws) = ReceiptWire.SplitTrailer(received);
        var claims = ReceiptWire.AssertVerifies(jws, await ReceiptWire.JwksAsync(server), requestBody, before);
        Assert.Equal("upstream_cut_stream", Assert.Single(claims.Attempts).Outcome);
    }

    [Fact]
    public async Task ClientDisconnectMidStream_StillStoresAReceiptStatingClientCancelled()
    {
        var server = fixture.For("chat");
        var (request, _) = ReceiptWire.Build("chat", server.DemoKey, stream: true, model: "sim-small~pace-1000");
        string id;
        using (request)
        {
            using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            id = Assert.Single(response.Headers.GetValues("x-request-id"));
            await using var body = await response.Content.ReadAsStreamAsync();
            Assert.Equal(1, await body.ReadAsync(new byte[1]));
        }

        // Disposing the response closed the connection; the receipt is stored when Warden notices (polled, never timed).
        var keys = await ReceiptWire.JwksAsync(server);
        ReceiptClaims? claims = null;
        for (int attempt = 0; attempt < 200 && claims is null; attempt++)
        {
            using var get = new HttpRequestMessage(HttpMethod.Get, "v1/receipts/" + id);
            get.Headers.Authorization = new("Bearer", server.DemoKey);
            using var stored = await server.Http.SendAsync(get);
            if (stored.StatusCode == HttpStatusCode.OK)
            {
                using var json = JsonDocument.Parse(await stored.Content.ReadAsByteArrayAsync());
                var report = ReceiptVerifier.Verify(json.RootElement.GetProperty("receipt").GetString()!, keys);
                Assert.True(report.AllPassed);
                claims = report.Claims;
            }
            else
            {
                await Task.Delay(50);
            }
        }

        Assert.NotNull(claims);
        Assert.Equal("client_cancelled", Assert.Single(claims.Attempts).Outcome);
    }

    [Fact]
    public async Task ChangingAnyByteOfTheReceiptOrOfTheKeptBodies_FailsVerification()
    {
        var server = fixture.For("anthropic");
        var (request, requestBody) = ReceiptWire.Build("anthropic", server.DemoKey, stream: true);
        using var response = await server.Http.SendAsync(request);
        var (before, jws) = ReceiptWire.SplitTrailer(await response.Content.ReadAsByteArrayAsync());
        var keys = await ReceiptWire.JwksAsync(server);
        ReceiptWire.AssertVerifies(jws, keys, requestBody, before);

        for (int i = 0; i < before.Length; i++)
        {
            byte[] tampered = (byte[])before.Clone();
            tampered[i] ^= 0x20;
            Assert.False(ReceiptVerifier.Verify(jws, keys, new ReceiptEvidence { ResponseBody = tampered }).AllPassed, $"response byte {i}");
        }

        for (int i = 0; i < requestBody.Length; i++)
        {
            byte[] tampered = (byte[])requestBody.Clone();
            tampered[i] ^= 0x20;
            Assert.False(ReceiptVerifier.Verify(jws, keys, new ReceiptEvidence { ClientRequestBody = tampered }).AllPassed, $"request byte {i}");
        }

        for (int i = 0; i < jws.Length; i++)
        {
            char replacement = jws[i] switch { '.' => 'A', 'A' => 'B', _ => 'A' };
            string tampered = jws[..i] + replacement + jws[(i + 1)..];
            Assert.False(ReceiptVerifier.Verify(tampered, keys, new ReceiptEvidence { ResponseBody = before }).AllPassed, $"receipt character {i}");
        }
    }
}
