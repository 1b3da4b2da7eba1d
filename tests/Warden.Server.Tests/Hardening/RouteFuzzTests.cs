using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CsCheck;
using Warden.Server.Tests.Conformance;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Hardening;

/// <summary>
/// Property-based: every public route, driven with generated bodies, headers and byte-level mutations of recorded
/// client requests, for each client protocol and each upstream protocol, never answers a 5xx; every answer of 400 or
/// more carries an error body in the route's own protocol; and the server still answers afterwards (issue 18).
/// A fixed seed and a bounded case count here; bench/fuzz-soak.sh runs it longer with a random seed through
/// WARDEN_FUZZ_CASES and WARDEN_FUZZ_SEED ("random" for a new one; a failure prints the seed that reproduces it).
/// </summary>
public sealed class RouteFuzzTests(ConformanceFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ConformanceFixture>
{
    /// <summary>A CsCheck seed (stream and state of its PCG generator).</summary>
    private const string DefaultSeed = "1xn1HwIbwfUS";

    private static readonly string[] Snippets =
    [
        "\\ud800", "\\udfff", "\\u0000", "\\\"", "1e999999", "-1e999999", "99999999999999999999999", "1" + new string('0', 400),
        "\"model\":\"sim-reasoner\",", "\"Model\":\"sim-reasoner\",", "\"stream\":true,", "\"stream\":\"yes\",", "\"stream\":false,",
        "null", "[]", "{}", "\"\"", "true", "-0", "0.0000001", "\"max_tokens\":-1,", "\"max_tokens\":0,", "\"temperature\":1e308,",
        "\"tools\":[{}],", "\"messages\":[],", "\"messages\":null,", "\"input\":[{\"type\":\"nope\"}],", "\"contents\":[{}],",
        "\"thread\":{\"id\":\"t\"},", "\"eager_input_streaming\":true,", new string('[', 300), "\"generationConfig\":{\"topK\":1e400},",
    ];

    private static readonly string[] ContentTypes =
        ["application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", ""];

    private static int Cases => int.TryParse(Environment.GetEnvironmentVariable("WARDEN_FUZZ_CASES"), out int n) && n > 0 ? n : 400;

    private static string? Seed => Environment.GetEnvironmentVariable("WARDEN_FUZZ_SEED") switch
    {
        null or "" => DefaultSeed,
        "random" => null,
        var seed => seed,
    };

    /// <summary>Choices for one case: which server, route, body source, mutations, key and headers.</summary>
    private static readonly Gen<(int[] Choices, byte[] Noise)> Case = Gen.Select(Gen.Int[0, 1_000_000].Array[24, 24], Gen.Byte.Array[0, 48]);

    [Fact]
    public async Task ModelRoutes_GeneratedAndMutatedRequests_NeverA5xxAndErrorsInTheRoutesProtocol()
    {
        var routes = WireRoute.Generate.Concat(WireRoute.CountTokens).ToArray();
        var statuses = new Dictionary<int, int>();
        await Case.SampleAsync(async c =>
        {
            var choices = new Choices(c.Choices);
            var server = fixture.For(ConformanceFixture.Upstreams[choices.Next(4)]);
            var route = routes[choices.Next(routes.Length)];
            byte[] body = BuildBody(route, choices, c.Noise);
            string path = route.Path;
            if (route.Protocol == "gemini" && choices.Next(4) == 0)
            {
                path += (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + (choices.Next(2) == 0 ? "alt=json" : "key=%FF%00");
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
            SetContentType(request, choices);
            SetKey(request, route.Protocol, choices.Next(8) switch
            {
                0 => null,
                1 => "wdn_" + Convert.ToHexString(c.Noise),
                2 => server.AdminKey,
                _ => server.DemoKey,
            });
            if (choices.Next(6) == 0)
            {
                // Printable ASCII only: HttpClient itself refuses anything else in a header.
                request.Headers.TryAddWithoutValidation("anthropic-version", new string([.. c.Noise.Select(b => (char)(33 + (b % 94)))]));
                request.Headers.TryAddWithoutValidation("anthropic-beta", "nonsense,,");
            }

            await AssertAnswerAsync(server, request, WireRoute.ProtocolOf("/" + path), statuses);
        }, seed: Seed, iter: Cases, threads: 1);

        foreach (string upstream in ConformanceFixture.Upstreams)
        {
            await AssertStillServesAsync(fixture.For(upstream));
        }

        // The generator reaches both sides: answers as well as refusals (a suite that only met 401s would prove little).
        Report(statuses);
        Assert.True(statuses.GetValueOrDefault(200) > 0, "no generated request was answered");
        Assert.True(statuses.GetValueOrDefault(400) > 0, "no generated request was refused as malformed");
    }

    [Fact]
    public async Task AdminAndReadRoutes_GeneratedAndMutatedRequests_NeverA5xxAndErrorsInTheRoutesProtocol()
    {
        // Its own server: admin calls that succeed change configuration (keys, channels, aliases, policies).
        await using var server = await WardenTestServer.StartAsync();
        var statuses = new Dictionary<int, int>();
        (HttpMethod Method, string Path, string Body)[] routes =
        [
            (HttpMethod.Get, "v1/models", ""),
            (HttpMethod.Get, "v1beta/models", ""),
            (HttpMethod.Get, "v1/models/sim-small", ""),
            (HttpMethod.Get, "v1beta/models/sim-small", ""),
            (HttpMethod.Get, "v1/me", ""),
            (HttpMethod.Get, "v1/dashboard/billing/subscription", ""),
            (HttpMethod.Get, "v1/dashboard/billing/usage?start_date=2026-01-01&end_date=2026-02-01", ""),
            (HttpMethod.Get, "v1/policy", ""),
            (HttpMethod.Get, "v1/receipts/0193a3b4-0000-7000-8000-000000000000", ""),
            (HttpMethod.Get, "v1/transparency/checkpoint", ""),
            (HttpMethod.Get, "v1/transparency/proof/inclusion?leaf_index=0&tree_size=1", ""),
            (HttpMethod.Get, "v1/transparency/proof/consistency?first=1&second=2", ""),
            (HttpMethod.Get, "v1/transparency/entries?start=0&end=5", ""),
            (HttpMethod.Get, "admin/keys", ""),
            (HttpMethod.Post, "admin/keys", """{"name":"fuzz","models":["sim-small"]}"""),
            (HttpMethod.Get, "admin/channels", ""),
            (HttpMethod.Post, "admin/channels", """{"name":"fuzz","provider":"openai","base_url":"https://api.openai.com/v1","models":["fuzz-model"],"credential":"sk-x"}"""),
            (HttpMethod.Get, "admin/routing/health", ""),
            (HttpMethod.Get, "admin/usage?since=2026-01-01T00:00:00Z", ""),
            (HttpMethod.Get, "admin/tenants", ""),
            (HttpMethod.Post, "admin/tenants", """{"name":"fuzz","currency":"USD"}"""),
            (HttpMethod.Get, "admin/prices", ""),
            (HttpMethod.Post, "admin/prices", """{"model":"sim-small","currency":"USD","input_per_million":1000,"output_per_million":2000}"""),
            (HttpMethod.Post, "admin/credits/topup", """{"tenant":"fuzz","amount_micros":1000}"""),
            (HttpMethod.Post, "admin/credits/adjust", """{"tenant":"fuzz","amount_micros":-10,"note":"n"}"""),
            (HttpMethod.Post, "admin/credits/redeem", """{"tenant":"fuzz","code":"WDN-XXXX"}"""),
            (HttpMethod.Post, "admin/codes", """{"count":1,"amount_micros":1000,"currency":"USD"}"""),
            (HttpMethod.Get, "admin/ledger/check", ""),
            (HttpMethod.Get, "admin/billing/usage?by=model", ""),
            (HttpMethod.Get, "admin/aliases", ""),
            (HttpMethod.Post, "admin/aliases", """{"name":"fuzz-alias","model":"sim-small"}"""),
            (HttpMethod.Get, "admin/policies", ""),
            (HttpMethod.Put, "admin/policies/simulator", """{"max_output_tokens_cap":100,"overrides":{"temperature":0.5}}"""),
            (HttpMethod.Put, "admin/keys/nokey/fallback", """{"models":["sim-large"]}"""),
            (HttpMethod.Delete, "admin/aliases/fuzz-alias", ""),
            (HttpMethod.Get, ".well-known/warden/log.vkey", ""),
            (HttpMethod.Get, "v1/transparency/checkpoint?cosignatures=1", ""),
            (HttpMethod.Get, "admin/protection", ""),
            (HttpMethod.Put, "admin/protection/tenants/fuzz", """{"home":"CN","allow":["CN","local"],"personal_data_abroad":"mask","patterns":{"employee_id":"EMP-[0-9]{6}"}}"""),
            (HttpMethod.Put, "admin/protection/keys/nokey", """{"home":"CN","personal_data_abroad":"allow","legal_basis":"scc-2026"}"""),
            (HttpMethod.Delete, "admin/protection/tenants/fuzz", ""),
            (HttpMethod.Get, "admin/transfers/report?since=2026-01-01T00:00:00Z", ""),
            (HttpMethod.Patch, "admin/channels/demo", """{"enabled":true,"priority":1,"weight":2,"models":["sim-small"]}"""),
            (HttpMethod.Get, "admin/accounts", ""),
            (HttpMethod.Post, "admin/accounts/invitations", """{"tenant":"fuzz"}"""),
            (HttpMethod.Post, "admin/accounts/nobody/disable", ""),
            (HttpMethod.Get, "admin/payments", ""),
            (HttpMethod.Post, "admin/payments", """{"tenant":"fuzz","provider":"stripe","amount_micros":1000000}"""),
            (HttpMethod.Post, "v1/payments/stripe/webhook", """{"id":"evt_1","type":"checkout.session.completed","data":{"object":{"id":"cs_1"}}}"""),
        ];

        await Case.SampleAsync(async c =>
        {
            var choices = new Choices(c.Choices);
            var (method, path, template) = routes[choices.Next(routes.Length)];
            byte[] body = Encoding.UTF8.GetBytes(template);
            int mutations = choices.Next(4);
            for (int i = 0; i < mutations; i++)
            {
                body = Mutate(body, choices, c.Noise);
            }

            if (choices.Next(5) == 0)
            {
                path += (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + Encoding.Latin1.GetString(c.Noise).Replace("#", "", StringComparison.Ordinal) + "=%ZZ";
            }

            using var request = new HttpRequestMessage(method, path);
            if (method != HttpMethod.Get && method != HttpMethod.Delete)
            {
                request.Content = new ByteArrayContent(body);
                SetContentType(request, choices);
            }

            string? key = choices.Next(6) switch
            {
                0 => null,
                1 => server.DemoKey,
                2 => "wdn_" + Convert.ToHexString(c.Noise),
                _ => server.AdminKey,
            };
            if (key is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
            }

            await AssertAnswerAsync(server, request, WireRoute.ProtocolOf("/" + path), statuses);
        }, seed: Seed, iter: Cases, threads: 1);

        await AssertStillServesAsync(server);
        Report(statuses);
        Assert.True(statuses.GetValueOrDefault(200) > 0, "no generated request was answered");
    }

    private static byte[] BuildBody(WireRoute route, Choices choices, byte[] noise)
    {
        byte[] body;
        var samples = WireSamples.For(route.Protocol);
        switch (choices.Next(5))
        {
            case 0 or 1 when samples.Count > 0:
                body = samples[choices.Next(samples.Count)];
                break;
            case 2:
                body = noise;
                break;
            case 3:
                body = route.Body("\"hi\"", extra: Snippets[choices.Next(Snippets.Length)].TrimEnd(','));
                break;
            default:
                body = route.Body("\"hello\"");
                break;
        }

        int mutations = choices.Next(4);
        for (int i = 0; i < mutations; i++)
        {
            body = Mutate(body, choices, noise);
        }

        return body;
    }

    /// <summary>One byte-level mutation: flip, insert, delete, truncate, duplicate, or splice a hostile snippet.</summary>
    private static byte[] Mutate(byte[] body, Choices choices, byte[] noise)
    {
        int at = body.Length == 0 ? 0 : choices.Next(body.Length + 1);
        int length = Math.Min(body.Length - at, 1 + choices.Next(16));
        switch (choices.Next(6))
        {
            case 0 when at < body.Length:
                byte[] flipped = [.. body];
                flipped[at] ^= (byte)(1 << choices.Next(8));
                return flipped;
            case 1:
                return [.. body.AsSpan(0, at), .. noise.AsSpan(0, Math.Min(noise.Length, 1 + choices.Next(4))), .. body.AsSpan(at)];
            case 2:
                return [.. body.AsSpan(0, at), .. body.AsSpan(at + length)];
            case 3:
                return body[..at];
            case 4:
                return [.. body.AsSpan(0, at + length), .. body.AsSpan(at, length), .. body.AsSpan(at + length)];
            default:
                // After an opening quote or brace where there is one nearby, so the snippet lands inside a string or an object.
                int anchor = body.AsSpan(at).IndexOfAny((byte)'"', (byte)'{');
                int insertAt = anchor < 0 ? at : at + anchor + 1;
                return [.. body.AsSpan(0, insertAt), .. Encoding.UTF8.GetBytes(Snippets[choices.Next(Snippets.Length)]), .. body.AsSpan(insertAt)];
        }
    }

    private static void SetContentType(HttpRequestMessage request, Choices choices)
    {
        string type = ContentTypes[choices.Next(ContentTypes.Length)];
        request.Content!.Headers.ContentType = null;
        if (type.Length > 0)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
        }
    }

    private static void SetKey(HttpRequestMessage request, string protocol, string? key)
    {
        if (key is null)
        {
            return;
        }

        switch (protocol)
        {
            case "anthropic":
                request.Headers.TryAddWithoutValidation("x-api-key", key);
                break;
            case "gemini":
                request.Headers.TryAddWithoutValidation("x-goog-api-key", key);
                break;
            default:
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                break;
        }
    }

    private void Report(Dictionary<int, int> statuses) =>
        output.WriteLine($"seed {Seed ?? "random"}, {Cases} cases: " + string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}")));

    private static async Task AssertAnswerAsync(WardenTestServer server, HttpRequestMessage request, string protocol, Dictionary<int, int> statuses)
    {
        string described = $"{request.Method} {request.RequestUri}";
        using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        string text = await response.Content.ReadAsStringAsync();
        int status = (int)response.StatusCode;
        statuses[status] = statuses.GetValueOrDefault(status) + 1;
        Assert.True(status < 500, $"{described} answered {status}: {text}");
        if (status >= 400 && status != 405 || status == 405 && text.Length > 0)
        {
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            try
            {
                WireRoute.ErrorMessage(protocol, text);
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or KeyNotFoundException or Xunit.Sdk.XunitException)
            {
                Assert.Fail($"{described} answered {status} without a {protocol} error body: {text}");
            }
        }
    }

    private static async Task AssertStillServesAsync(WardenTestServer server)
    {
        using var request = WireRoute.Find("chat", "v1/chat/completions", false).Request(server.DemoKey, WireRoute.Find("chat", "v1/chat/completions", false).Body("\"still there?\""));
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Reads the generated choices in order; wraps around when a case needs more than were generated.</summary>
    private sealed class Choices(int[] values)
    {
        private int _next;

        public int Next(int count) => count <= 0 ? 0 : values[_next++ % values.Length] % count;
    }
}
