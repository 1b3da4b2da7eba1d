using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Warden.Server.Keys;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Security;

/// <summary>
/// What a refused key is told (issue 18): a revoked, an expired and a never-issued key get the very same answer, so
/// the answer never tells its holder that a string was once a key; a live admin key on a model route is told that
/// admin keys cannot call models, instead of that it is not valid.
/// </summary>
public sealed class KeyRefusalTests
{
    private static readonly (string Name, string Path, string Body)[] ModelRoutes =
    [
        ("chat", "v1/chat/completions", Requests.Body("sim-small", "hi")),
        ("responses", "v1/responses", """{"model":"sim-small","input":"hi"}"""),
        ("messages", "v1/messages", """{"model":"sim-small","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}"""),
        ("count_tokens", "v1/messages/count_tokens", """{"model":"sim-small","messages":[{"role":"user","content":"hi"}]}"""),
        ("gemini", "v1beta/models/sim-small:generateContent", """{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}"""),
    ];

    [Fact]
    public async Task RevokedExpiredAndUnknownKeys_GetTheSameAnswerOnEveryModelRoute()
    {
        await using var server = await WardenTestServer.StartAsync();
        var data = server.App.Data;
        var revoked = data.KeyIssuer.Issue("to-revoke", KeyRole.Client, null, null);
        Assert.True(data.Keys.Revoke(revoked.Key.Id));
        var expired = data.KeyIssuer.Issue("expired", KeyRole.Client, null, data.Time.GetUtcNow().AddMinutes(-1));
        var revokedAdmin = data.KeyIssuer.Issue("revoked-admin", KeyRole.Admin, null, null);
        Assert.True(data.Keys.Revoke(revokedAdmin.Key.Id));
        server.Reload();
        string unknown = KeyHasher.NewKey(KeyRole.Client);

        foreach (var (name, path, body) in ModelRoutes)
        {
            var answers = new List<(HttpStatusCode Status, string Error)>();
            foreach (string key in new[] { unknown, revoked.Plaintext, expired.Plaintext, revokedAdmin.Plaintext })
            {
                answers.Add(await SendAsync(server, path, body, key));
            }

            Assert.All(answers, a => Assert.Equal(HttpStatusCode.Unauthorized, a.Status));
            Assert.True(answers.All(a => a.Error == answers[0].Error), $"{name}: the answers differ:\n{string.Join('\n', answers.Select(a => a.Error))}");
            Assert.Contains("unknown, revoked or expired", answers[0].Error, StringComparison.Ordinal);
        }

        // The models list and the admin API give no more away.
        var listed = new List<string>();
        foreach (string key in new[] { unknown, revoked.Plaintext, expired.Plaintext })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "v1/models");
            request.Headers.Authorization = new("Bearer", key);
            using var response = await server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            listed.Add(await response.Content.ReadAsStringAsync());
        }

        Assert.Single(listed.Distinct());
    }

    [Fact]
    public async Task AdminKey_OnAModelRoute_IsToldAdminKeysCannotCallModels()
    {
        await using var server = await WardenTestServer.StartAsync();
        foreach (var (name, path, body) in ModelRoutes)
        {
            var (status, error) = await SendAsync(server, path, body, server.AdminKey);
            Assert.True(status == HttpStatusCode.Forbidden, $"{name}: {status} {error}");
            Assert.Contains("Admin keys cannot call models", error, StringComparison.Ordinal);
            Assert.Contains("client key", error, StringComparison.Ordinal);
        }

        // In OpenAI's shape on the Chat route: a permission error with its own code.
        using (var response = await server.Http.SendAsync(Requests.Chat(server.AdminKey, Requests.Body("sim-small", "hi"))))
        {
            var error = await Requests.ErrorAsync(response);
            Assert.Equal("permission_error", error.GetProperty("type").GetString());
            Assert.Equal("admin_key_not_allowed", error.GetProperty("code").GetString());
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, "v1/models"))
        {
            request.Headers.Authorization = new("Bearer", server.AdminKey);
            using var response = await server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("Admin keys cannot call models", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The demo (client) key still calls models.
        using var ok = await server.Http.SendAsync(Requests.Chat(server.DemoKey, Requests.Body("sim-small", "hi")));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    /// <summary>The status and the protocol's error object, request ids masked (they differ by design; Gemini's error carries one).</summary>
    private static async Task<(HttpStatusCode Status, string Error)> SendAsync(WardenTestServer server, string path, string body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", key);
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("x-goog-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        using var response = await server.Http.SendAsync(request);
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        string error = root.GetProperty("error").GetRawText();
        return (response.StatusCode, Regex.Replace(error, "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "(request id)"));
    }
}
