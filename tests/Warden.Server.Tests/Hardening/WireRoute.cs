using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Warden.Server.Tests.Hardening;

/// <summary>
/// One public model route as a client of its protocol calls it, built by hand (raw bytes, exact headers) so a test can
/// send what no SDK would: broken JSON, lone surrogates, invalid UTF-8, repeated members.
/// </summary>
internal sealed record WireRoute(string Protocol, string Path, bool Stream, bool Count = false)
{
    public static readonly WireRoute[] Generate =
    [
        new("chat", "v1/chat/completions", false),
        new("chat", "v1/chat/completions", true),
        new("responses", "v1/responses", false),
        new("responses", "v1/responses", true),
        new("anthropic", "v1/messages", false),
        new("anthropic", "v1/messages", true),
        new("gemini", "v1beta/models/sim-small:generateContent", false),
        new("gemini", "v1beta/models/sim-small:streamGenerateContent?alt=sse", true),
        new("gemini", "v1beta/models/sim-small:streamGenerateContent", true),
    ];

    public static readonly WireRoute[] CountTokens =
    [
        new("anthropic", "v1/messages/count_tokens", false, Count: true),
        new("gemini", "v1beta/models/sim-small:countTokens", false, Count: true),
    ];

    public static IEnumerable<object[]> GenerateCases() => Generate.Select(r => new object[] { r.Protocol, r.Path, r.Stream });

    public static WireRoute Find(string protocol, string path, bool stream) =>
        Generate.Concat(CountTokens).First(r => r.Protocol == protocol && r.Path == path && r.Stream == stream);

    /// <summary>A valid body of this route's protocol whose user text is <paramref name="textJson"/> (a raw JSON value).</summary>
    public byte[] Body(string textJson, string model = "sim-small", string? extra = null)
    {
        string streamMember = Protocol == "gemini" || Count ? "" : ",\"stream\":" + (Stream ? "true" : "false");
        string more = extra is null ? "" : "," + extra;
        string json = Protocol switch
        {
            "chat" => $$"""{"model":"{{model}}","messages":[{"role":"user","content":{{textJson}}}]{{streamMember}}{{more}}}""",
            "responses" => $$"""{"model":"{{model}}","input":{{textJson}}{{streamMember}}{{more}}}""",
            "anthropic" => Count
                ? $$"""{"model":"{{model}}","messages":[{"role":"user","content":{{textJson}}}]{{more}}}"""
                : $$"""{"model":"{{model}}","max_tokens":16,"messages":[{"role":"user","content":{{textJson}}}]{{streamMember}}{{more}}}""",
            _ => $$"""{"contents":[{"role":"user","parts":[{"text":{{textJson}}}]}]{{more}}}""",
        };
        return Encoding.UTF8.GetBytes(json);
    }

    public HttpRequestMessage Request(string? key, byte[] body, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (key is not null)
        {
            switch (Protocol)
            {
                case "anthropic":
                    request.Headers.Add("x-api-key", key);
                    request.Headers.Add("anthropic-version", "2023-06-01");
                    break;
                case "gemini":
                    request.Headers.Add("x-goog-api-key", key);
                    break;
                default:
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                    break;
            }
        }

        return request;
    }

    /// <summary>Asserts the body is an error of <paramref name="protocol"/> and returns its message.</summary>
    public static string ErrorMessage(string protocol, string body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        var error = root.GetProperty("error");
        switch (protocol)
        {
            case "anthropic":
                Assert.Equal("error", root.GetProperty("type").GetString());
                Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
                break;
            case "gemini":
                Assert.Equal(JsonValueKind.Number, error.GetProperty("code").ValueKind);
                Assert.Equal(JsonValueKind.String, error.GetProperty("status").ValueKind);
                break;
            default:
                Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
                Assert.True(error.TryGetProperty("param", out _), "OpenAI error JSON always has 'param'");
                break;
        }

        return error.GetProperty("message").GetString()!;
    }

    /// <summary>The protocol a path's errors are written in (what Warden's ClientProtocol.ForPath decides).</summary>
    public static string ProtocolOf(string path) =>
        path.StartsWith("/v1/messages", StringComparison.Ordinal) ? "anthropic"
        : path.StartsWith("/v1beta", StringComparison.Ordinal) ? "gemini"
        : path.StartsWith("/v1/responses", StringComparison.Ordinal) ? "responses"
        : "chat";
}
