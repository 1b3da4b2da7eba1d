using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Warden.Server.Routing;
using Warden.Server.Tests.Support;
using Warden.Server.Tests.Trust;

namespace Warden.Server.Tests.Security;

/// <summary>Alone in its collection: the connect recorder sees the whole process, so no other test may run beside it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialNetwork
{
    public const string Name = "outbound-network";
}

/// <summary>
/// No hidden channel (issue 19): a full session through every route (the four client protocols streamed and not,
/// translated and passed through, count_tokens, receipts, models, policy, the transparency log, the admin API) while the
/// runtime's own network event sources record every connect, name lookup and HTTP request the process makes
/// (<see cref="OutboundConnections"/>, outside Warden's code). Every destination must be a configured upstream, and the
/// only other one, Warden's own port, must have been reached exactly as often as this test's client connected to it.
/// </summary>
[Collection(SerialNetwork.Name)]
public sealed class NoHiddenChannelTests
{
    [Fact]
    public async Task AFullSession_ConnectsOnlyToConfiguredUpstreams()
    {
        using var recorder = new OutboundConnections();
        await using var server = await WardenTestServer.StartAsync();
        var client = new CountingClient(server.Url);
        using var _ = client;
        var wardenEndPoint = new IPEndPoint(IPAddress.Parse(server.Url.Host), server.Url.Port);
        var simulator = server.App.Services.GetRequiredService<ChannelCatalog>().Find("sim-small").First().Upstream.BaseUrl;

        // A channel added through the admin API is a configured upstream too, and is used below.
        await client.AdminAsync(server.AdminKey, HttpMethod.Post, "admin/channels",
            $$"""{"name":"second","provider":"simulator","base_url":"{{simulator}}","models":["sim-large"],"allow_private_network":true}""");

        var requestIds = new List<string>();
        foreach (string protocol in new[] { "chat", "anthropic", "responses", "gemini", "gemini-array" })
        {
            foreach (bool stream in protocol == "gemini-array" ? [true] : new[] { false, true })
            {
                foreach (string model in new[] { "sim-small", "sim-large" })
                {
                    var (request, _) = ReceiptWire.Build(protocol, server.DemoKey, stream, model);
                    using var response = await client.SendAsync(request);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    await response.Content.ReadAsByteArrayAsync();
                    requestIds.Add(response.Headers.GetValues("Warden-Request-Id").Single());
                }
            }
        }

        await server.FlushUsageAsync();
        using (var count = new HttpRequestMessage(HttpMethod.Post, "v1/messages/count_tokens"))
        {
            count.Content = new StringContent("""{"model":"sim-small","messages":[{"role":"user","content":"count me"}]}""", Encoding.UTF8, "application/json");
            count.Headers.Add("x-api-key", server.DemoKey);
            count.Headers.Add("anthropic-version", "2023-06-01");
            using var counted = await client.SendAsync(count);
            Assert.Equal(HttpStatusCode.OK, counted.StatusCode);
        }

        foreach (string path in new[]
        {
            "v1/receipts/" + requestIds[0], "v1/receipts/" + requestIds[^1], "v1/models", "v1beta/models", "v1/policy",
            ".well-known/warden/jwks.json", "v1/transparency/checkpoint", "v1/transparency/entries?start=0&end=2",
            "v1/transparency/proof/inclusion?receipt=" + requestIds[0], "v1/transparency/proof/consistency?from=1&to=2",
            "healthz", "readyz", "metrics",
        })
        {
            using var read = new HttpRequestMessage(HttpMethod.Get, path);
            read.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.DemoKey);
            using var response = await client.SendAsync(read);
            // The routes are exercised for what they connect to; a proof may not be ready yet (404), never a failure.
            Assert.True((int)response.StatusCode < 500, $"{path}: {(int)response.StatusCode}");
        }

        (HttpMethod Method, string Path, string Body)[] admin =
        [
            (HttpMethod.Get, "admin/keys", ""),
            (HttpMethod.Post, "admin/keys", """{"name":"session","models":["sim-small"]}"""),
            (HttpMethod.Get, "admin/channels", ""),
            (HttpMethod.Get, "admin/routing/health", ""),
            (HttpMethod.Get, "admin/usage?since=2026-01-01T00:00:00Z", ""),
            (HttpMethod.Post, "admin/tenants", """{"name":"session","currency":"USD"}"""),
            (HttpMethod.Get, "admin/tenants", ""),
            (HttpMethod.Post, "admin/prices", """{"model":"sim-small","currency":"USD","input_per_million":1000,"output_per_million":2000}"""),
            (HttpMethod.Get, "admin/prices", ""),
            (HttpMethod.Post, "admin/credits/topup", """{"tenant":"session","amount_micros":1000}"""),
            (HttpMethod.Post, "admin/codes", """{"count":1,"amount_micros":1000,"currency":"USD"}"""),
            (HttpMethod.Get, "admin/ledger/check", ""),
            (HttpMethod.Get, "admin/billing/usage?by=model", ""),
            (HttpMethod.Post, "admin/aliases", """{"name":"session-alias","model":"sim-small"}"""),
            (HttpMethod.Get, "admin/aliases", ""),
            (HttpMethod.Put, "admin/policies/second", """{"max_output_tokens_cap":100}"""),
            (HttpMethod.Get, "admin/policies", ""),
            (HttpMethod.Delete, "admin/aliases/session-alias", ""),
            (HttpMethod.Delete, "admin/channels/second", ""),
        ];
        foreach (var (method, path, body) in admin)
        {
            await client.AdminAsync(server.AdminKey, method, path, body);
        }

        await server.FlushUsageAsync();

        // Every upstream ever configured in the session (the demo simulator, the channel added and removed above).
        var upstreams = new HashSet<(string Host, int Port)> { (simulator.Host, simulator.Port) };
        foreach (var (_, target) in server.App.Services.GetRequiredService<ChannelCatalog>().AllTargets())
        {
            upstreams.Add((target.Upstream.BaseUrl.Host, target.Upstream.BaseUrl.Port));
        }

        var upstreamEndPoints = upstreams.SelectMany(u => Addresses(u.Host).Select(a => new IPEndPoint(a, u.Port))).ToHashSet();
        Assert.Empty(recorder.Unreadable);
        var connects = recorder.Connects.Select(Plain).ToList();
        Assert.Contains(connects, upstreamEndPoints.Contains);
        Assert.All(connects, c => Assert.True(upstreamEndPoints.Contains(c) || c.Equals(wardenEndPoint), $"an outbound connect to {c}, which is no configured upstream"));
        Assert.Equal(client.Connects, connects.Count(wardenEndPoint.Equals));
        Assert.All(recorder.Lookups, host => Assert.True(upstreams.Any(u => u.Host == host), $"a name lookup of '{host}', which is no configured upstream"));
        Assert.All(recorder.Requests, r => Assert.True(upstreams.Contains(r) || r == (server.Url.Host, server.Url.Port), $"an HTTP request to {r.Host}:{r.Port}, which is no configured upstream"));
        Assert.Equal(client.Requests, recorder.Requests.Count(r => r == (server.Url.Host, server.Url.Port)));
    }

    private static IPEndPoint Plain(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    private static IPAddress[] Addresses(string host) => IPAddress.TryParse(host.Trim('[', ']'), out var literal)
        ? [literal]
        : host == "localhost" ? [IPAddress.Loopback, IPAddress.IPv6Loopback] : [];

    /// <summary>This test's own client: counts its connects and requests, so the recorder's count for Warden's port can be checked against it.</summary>
    private sealed class CountingClient : IDisposable
    {
        private readonly HttpClient _http;
        private int _connects;
        private int _requests;

        public CountingClient(Uri baseAddress)
        {
            var handler = new SocketsHttpHandler
            {
                UseProxy = false,
                ConnectCallback = async (context, cancellationToken) =>
                {
                    Interlocked.Increment(ref _connects);
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            };
#pragma warning disable RS0030 // the test is a client, not Warden
            _http = new HttpClient(handler) { BaseAddress = baseAddress };
#pragma warning restore RS0030
        }

        public int Connects => Volatile.Read(ref _connects);

        public int Requests => Volatile.Read(ref _requests);

        public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
        {
            Interlocked.Increment(ref _requests);
            return _http.SendAsync(request);
        }

        public async Task AdminAsync(string adminKey, HttpMethod method, string path, string body)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            if (body.Length > 0)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            using var response = await SendAsync(request);
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
            _ = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        }

        public void Dispose() => _http.Dispose();
    }
}
