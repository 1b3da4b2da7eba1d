using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Trust;

/// <summary>
/// Receipts bind the upstream (issue 19), end to end through a real Warden to a recording upstream on 127.0.0.1 (plain
/// http; the TLS key is tested at the handler level in <see cref="Hosting.UpstreamBindingTests"/>): the receipt states
/// the host and port the answer came from, no TLS key, and the SHA-256 of exactly the bytes the upstream sent, in pass
/// through and translated, streamed and not; <c>/v1/policy</c> shows the channel's host. The payload is read as plain
/// JSON here, not through Warden's receipt reader.
/// </summary>
public sealed class ReceiptUpstreamTests
{
    [Theory]
    [InlineData("chat", false)]
    [InlineData("chat", true)]
    [InlineData("anthropic", false)]
    [InlineData("anthropic", true)]
    public async Task Receipt_StatesTheUpstreamHostPortAndTheHashOfTheBytesItSent(string client, bool stream)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var server = await WardenTestServer.StartAsync();
        server.AddChannel("recorded", upstream.BaseUrl, null, RecordingUpstream.Model);

        var (request, requestBody) = ReceiptWire.Build(client, server.DemoKey, stream, model: RecordingUpstream.Model);
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        byte[] received = await response.Content.ReadAsByteArrayAsync();
        var (body, jws) = stream ? ReceiptWire.SplitTrailer(received) : (received, Assert.Single(response.Headers.GetValues("Warden-Receipt")));

        var claims = ReceiptWire.AssertVerifies(jws, await ReceiptWire.JwksAsync(server), requestBody, body);
        var sent = Assert.Single(upstream.Sent).Body;
        string sentHash = Convert.ToHexStringLower(SHA256.HashData(sent));
        Assert.Equal(sentHash, claims.UpstreamResponseSha256);

        // The claims, read as docs/trust.md tells a user to (a version 2 receipt's second '~' part).
        using var payload = JsonDocument.Parse(Base64Url(jws.Split('~')[1]));
        var root = payload.RootElement;
        Assert.Equal("127.0.0.1", root.GetProperty("upstream_host").GetString());
        Assert.Equal(upstream.BaseUrl.Port, root.GetProperty("upstream_port").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("upstream_tls_spki_sha256").ValueKind);
        Assert.Equal(sentHash, root.GetProperty("upstream_response_sha256").GetString());
        if (client == "anthropic")
        {
            // Translated: what the client got is not what the upstream sent, and the receipt tells the two apart.
            Assert.NotEqual(claims.ResponseSha256, claims.UpstreamResponseSha256);
        }
    }

    [Fact]
    public async Task Policy_ShowsEachChannelsSchemeHostAndPort()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var server = await WardenTestServer.StartAsync();
        server.AddChannel("recorded", upstream.BaseUrl, null, RecordingUpstream.Model);

        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/policy");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.DemoKey);
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        var channel = json.RootElement.GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "recorded");
        Assert.Equal("http", channel.GetProperty("scheme").GetString());
        Assert.Equal("127.0.0.1", channel.GetProperty("host").GetString());
        Assert.Equal(upstream.BaseUrl.Port, channel.GetProperty("port").GetInt32());
        Assert.Equal(RecordingUpstream.Model, Assert.Single(channel.GetProperty("models").EnumerateArray()).GetString());
    }

    private static byte[] Base64Url(string text) =>
        Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (text.Length % 4)) % 4));
}
