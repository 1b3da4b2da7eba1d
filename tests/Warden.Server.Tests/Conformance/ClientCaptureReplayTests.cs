using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Warden.Server.Tests.Conformance;

/// <summary>
/// The requests Claude Code, Codex CLI, Gemini CLI and Qwen Code really sent (shared/wire/requests: Claude Code's
/// 24-tool request with adaptive thinking, context_management and cache_control and its role:"system" message;
/// Codex's developer messages, namespace and web_search tools and encrypted reasoning; Gemini CLI's
/// schema-constrained router call and dummy thought signature; Qwen Code's array tool content), replayed through
/// Warden to every upstream kind with only the model and the key swapped.
/// </summary>
public sealed class ClientCaptureReplayTests(ConformanceFixture fixture) : IClassFixture<ConformanceFixture>
{
    public static TheoryData<string, string> Captures()
    {
        var data = new TheoryData<string, string>();
        foreach (string file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "ClientCaptures"), "*.json").Order(StringComparer.Ordinal))
        {
            foreach (string upstream in ConformanceFixture.Upstreams)
            {
                data.Add(Path.GetFileName(file), upstream);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public async Task CapturedRequest_IsRelayedToEveryUpstreamKind(string capture, string upstream)
    {
        var recorded = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "ClientCaptures", capture)))!;
        string path = (string)recorded["path"]!;
        var body = recorded["body"]!.AsObject();
        var server = fixture.For(upstream);
        ClientDriver driver;
        string url;
        if (path.StartsWith("/v1beta/", StringComparison.Ordinal))
        {
            driver = ClientDriver.Gemini;
            string action = path[(path.LastIndexOf(':') + 1)..];
            url = $"v1beta/models/sim-small:{action}" + (recorded["query"]?["alt"] is { } alt ? $"?alt={alt}" : "");
        }
        else
        {
            driver = path switch { "/v1/messages" => ClientDriver.Anthropic, "/v1/responses" => ClientDriver.Responses, _ => ClientDriver.Chat };
            body["model"] = "sim-small";
            url = path.TrimStart('/') + (recorded["query"]?["beta"] is not null ? "?beta=true" : "");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Url, url))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in recorded["headers"]!.AsObject())
        {
            if (name is "authorization" or "x-api-key" or "x-goog-api-key" or "content-type" or "content-length" or "accept-encoding" or "host")
            {
                continue;
            }

            request.Headers.TryAddWithoutValidation(name, (string?)value);
        }

        switch (driver.Name)
        {
            case "anthropic": request.Headers.Add("x-api-key", server.DemoKey); break;
            case "gemini": request.Headers.Add("x-goog-api-key", server.DemoKey); break;
            default: request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.DemoKey); break;
        }

        using var response = await server.Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();

        if (driver.Name == upstream && EchoesForeignReasoning(body))
        {
            // Same dialect: the body goes upstream byte for byte, so reasoning signed by the provider the client was
            // recorded against reaches the simulator, which rejects signatures it did not make. The 400 proves the
            // bytes arrived unaltered, and it reaches the client in its own protocol.
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.False(string.IsNullOrEmpty(driver.ErrorMessage(JsonNode.Parse(text)!)));
            return;
        }

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{capture} → {upstream}: HTTP {(int)response.StatusCode}: {text}");
        bool streamed = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
        var answer = streamed ? driver.ParseStream(text) : driver.ParseJson(JsonNode.Parse(text)!);
        Assert.True(answer.ClosedProperly, $"{capture} → {upstream}: the answer must end the way its client requires");
        Assert.Null(answer.StreamError);
        Assert.True(answer.Text.Length > 0 || answer.ToolCalls.Count > 0);
        if (capture.StartsWith("gemini-cli.tool.00", StringComparison.Ordinal))
        {
            // Gemini CLI's router asks for JSON matching a schema; anything else costs it about 95 s of retries.
            var routed = JsonNode.Parse(answer.Text)!.AsObject();
            Assert.True(routed.ContainsKey("complexity_score"), answer.Text);
        }
    }

    /// <summary>Whether the body carries opaque reasoning that a real provider (not the simulator) signed.</summary>
    private static bool EchoesForeignReasoning(JsonNode node) => node switch
    {
        JsonObject obj => obj.Any(p =>
            (p.Key is "signature" or "encrypted_content" && p.Value is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0)
            || (p.Key == "thoughtSignature" && (string?)p.Value != "skip_thought_signature_validator")
            || (p.Value is not null && EchoesForeignReasoning(p.Value))),
        JsonArray array => array.Any(item => item is not null && EchoesForeignReasoning(item)),
        _ => false,
    };
}
