using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Hosting;

public sealed class AdminApiTests(WardenFixture fixture) : IClassFixture<WardenFixture>
{
    private WardenTestServer Server => fixture.Server;

    [Fact]
    public async Task AdminApi_WithoutAdminKey_Returns401_EvenWithAClientKey()
    {
        using var anonymous = await Server.Http.GetAsync("admin/keys");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var asClient = await SendAsync(HttpMethod.Get, "admin/keys", Server.DemoKey);
        Assert.Equal(HttpStatusCode.Unauthorized, asClient.StatusCode);
        await Requests.ErrorAsync(asClient);
    }

    [Fact]
    public async Task Keys_CreateUseRevoke_ThroughTheAdminApi()
    {
        using var created = await SendAsync(HttpMethod.Post, "admin/keys", Server.AdminKey, """{"name":"api-key","models":["sim-small"]}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        string secret = body.GetProperty("secret").GetString()!;
        string id = body.GetProperty("key").GetProperty("id").GetString()!;

        using (var ok = await Server.Http.SendAsync(Requests.Chat(secret, Requests.Body("sim-small", "hi"))))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var list = await SendAsync(HttpMethod.Get, "admin/keys", Server.AdminKey);
        string listed = await list.Content.ReadAsStringAsync();
        Assert.Contains("api-key", listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);

        using var revoked = await SendAsync(HttpMethod.Delete, $"admin/keys/{id}", Server.AdminKey);
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        using var refused = await Server.Http.SendAsync(Requests.Chat(secret, Requests.Body("sim-small", "hi")));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Channels_AddListRemove_NeverReturnTheCredential()
    {
        using var created = await SendAsync(HttpMethod.Post, "admin/channels", Server.AdminKey,
            """{"name":"api-channel","provider":"moonshot","models":["kimi-k2"],"credential":"sk-admin-api-secret"}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string createdBody = await created.Content.ReadAsStringAsync();
        Assert.DoesNotContain("sk-admin-api-secret", createdBody, StringComparison.Ordinal);
        Assert.True(JsonDocument.Parse(createdBody).RootElement.GetProperty("has_credential").GetBoolean());

        using var list = await SendAsync(HttpMethod.Get, "admin/channels", Server.AdminKey);
        string listed = await list.Content.ReadAsStringAsync();
        Assert.Contains("api-channel", listed, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-admin-api-secret", listed, StringComparison.Ordinal);

        using var bad = await SendAsync(HttpMethod.Post, "admin/channels", Server.AdminKey, """{"name":"x","provider":"nope","models":["m"]}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Unknown provider", (await Requests.ErrorAsync(bad)).GetProperty("message").GetString(), StringComparison.Ordinal);

        using var malformed = await SendAsync(HttpMethod.Post, "admin/channels", Server.AdminKey, """{"name":""");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        using var removed = await SendAsync(HttpMethod.Delete, "admin/channels/api-channel", Server.AdminKey);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
    }

    [Fact]
    public async Task Usage_ReportsRequestsPerKeyAndModel()
    {
        using (var response = await Server.Http.SendAsync(Requests.Chat(Server.DemoKey, Requests.Body("sim-reasoner", "usage report"))))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await Server.FlushUsageAsync();
        using var usage = await SendAsync(HttpMethod.Get, "admin/usage", Server.AdminKey);
        var rows = JsonDocument.Parse(await usage.Content.ReadAsStringAsync()).RootElement.EnumerateArray().ToList();
        var row = rows.Single(r => r.GetProperty("model").GetString() == "sim-reasoner");
        Assert.Equal("demo", row.GetProperty("key").GetString());
        Assert.True(row.GetProperty("requests").GetInt64() >= 1);
        Assert.True(row.GetProperty("reasoning_tokens").GetInt64() > 0);
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string key, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        return Server.Http.SendAsync(request);
    }
}
