using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Hardening;

/// <summary>
/// Kestrel's own refusals of a request (its framing, size or pace) came out as 500 (issue 18): each is now Kestrel's
/// status with an error body in the route's protocol. Sent by hand over a socket, since no HTTP client sends these.
/// </summary>
public sealed class KestrelRefusalTests : IAsyncLifetime
{
    private WardenTestServer _server = null!;

    public async Task InitializeAsync() => _server = await WardenTestServer.StartAsync(o => o with
    {
        MaxRequestBodyBytes = 64 * 1024,

        // The shortest grace Kestrel allows is above its one-second heartbeat: a stalled body is refused in about two.
        MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 100, gracePeriod: TimeSpan.FromSeconds(1.5)),
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("/v1/chat/completions", "chat")]
    [InlineData("/v1/messages", "anthropic")]
    [InlineData("/v1beta/models/sim-small:generateContent", "gemini")]
    [InlineData("/admin/tenants", "chat")]
    public async Task MalformedChunkSize_Is400InTheRoutesProtocolNot500(string path, string protocol)
    {
        string head = Head(path, "Transfer-Encoding: chunked\r\n");

        var (status, body) = await ExchangeAsync(head + "zz\r\n{}\r\n0\r\n\r\n", stallAfter: true);

        Assert.Equal(400, status);
        WireRoute.ErrorMessage(protocol, body);
        await AssertStillAnswersAsync();
    }

    [Theory]
    [InlineData("/admin/tenants", "chat")]
    [InlineData("/admin/keys", "chat")]
    [InlineData("/v1/messages", "anthropic")]
    public async Task BodyOverTheLimit_Is413InTheRoutesProtocolNot500(string path, string protocol)
    {
        // Past Kestrel's cap (Warden's limit plus its drain allowance): refused before the body is read.
        string head = Head(path, "Content-Length: 100000000\r\n");

        var (status, body) = await ExchangeAsync(head + "{\"name\":", stallAfter: true);

        Assert.Equal(413, status);
        WireRoute.ErrorMessage(protocol, body);
        await AssertStillAnswersAsync();
    }

    [Theory]
    [InlineData("/v1/chat/completions", "chat")]
    [InlineData("/v1/messages/count_tokens", "anthropic")]
    [InlineData("/v1beta/models/sim-small:streamGenerateContent", "gemini")]
    [InlineData("/admin/tenants", "chat")]
    public async Task BodySentTooSlowly_Is408InTheRoutesProtocolNot500(string path, string protocol)
    {
        string head = Head(path, "Content-Length: 1000\r\n");

        // One byte, then nothing: far below the minimum rate once the grace period is over.
        var (status, body) = await ExchangeAsync(head + "{", stallAfter: true);

        Assert.Equal(408, status);
        WireRoute.ErrorMessage(protocol, body);
        await AssertStillAnswersAsync();
    }

    private string Head(string path, string framing)
    {
        string key = path.StartsWith("/admin", StringComparison.Ordinal) ? _server.AdminKey : _server.DemoKey;
        return $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\nx-api-key: {key}\r\nx-goog-api-key: {key}\r\n"
            + $"Content-Type: application/json\r\n{framing}\r\n";
    }

    /// <summary>Sends <paramref name="request"/> and reads the response until the server closes or its body is complete.</summary>
    private async Task<(int Status, string Body)> ExchangeAsync(string request, bool stallAfter)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", _server.Url.Port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
        if (!stallAfter)
        {
            client.Client.Shutdown(SocketShutdown.Send);
        }

        var received = new MemoryStream();
        byte[] buffer = new byte[8192];
        while (true)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(buffer, timeout.Token);
            }
            catch (IOException)
            {
                break;
            }

            if (read == 0)
            {
                break;
            }

            received.Write(buffer, 0, read);
            if (Complete(received.ToArray()))
            {
                break;
            }
        }

        string text = Encoding.UTF8.GetString(received.ToArray());
        int split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, "no response head: " + text);
        int status = int.Parse(text.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
        string body = text[(split + 4)..];
        if (text[..split].Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }

        return (status, body);
    }

    private static bool Complete(byte[] received)
    {
        string text = Encoding.UTF8.GetString(received);
        int split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (split < 0)
        {
            return false;
        }

        string head = text[..split];
        foreach (string line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return Encoding.UTF8.GetByteCount(text[(split + 4)..]) >= int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return text.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
    }

    private static string Dechunk(string chunked)
    {
        var body = new StringBuilder();
        int at = 0;
        while (true)
        {
            int end = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            int size = Convert.ToInt32(chunked[at..end], 16);
            if (size == 0)
            {
                return body.ToString();
            }

            body.Append(chunked, end + 2, size);
            at = end + 2 + size + 2;
        }
    }

    private async Task AssertStillAnswersAsync()
    {
        using var response = await _server.Http.GetAsync("/");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }
}
