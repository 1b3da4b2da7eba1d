using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Warden.Server.Keys;
using Warden.Server.Residency;
using Warden.Server.Routing;
using Warden.Server.Tests.Resilience;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Residency;

/// <summary>
/// Issue 20's admin API (the same operations as <c>warden protection</c> and <c>warden transfers report</c>, behind the
/// admin key, logged as the admin key), and the count-tokens route under a rule: a count for a destination abroad is
/// estimated at home instead of sending the text there.
/// </summary>
public sealed class ProtectionAdminTests
{
    [Fact]
    public async Task AdminApi_SetsShowsAndClearsRules_ReportsTransfers_AndRefusesClientKeys()
    {
        await using var server = await WardenTestServer.StartAsync();
        Assert.Null(server.App.Data.Billing.Tenants.Add("acme", "CNY").Problem);
        string adminId = server.App.Services.GetRequiredService<KeyDirectory>().Authenticate(server.AdminKey, KeyRole.Admin).Key!.Id;

        using (var refused = await SendAsync(server, HttpMethod.Put, "admin/protection/tenants/acme", server.AdminKey, """{"home":"CN","personal_data_abroad":"allow"}"""))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("legal basis", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var missing = await SendAsync(server, HttpMethod.Put, "admin/protection/tenants/nobody", server.AdminKey, """{"home":"CN"}"""))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        using (var asClient = await SendAsync(server, HttpMethod.Put, "admin/protection/tenants/acme", server.DemoKey, """{"home":"CN"}"""))
        {
            Assert.NotEqual(HttpStatusCode.OK, asClient.StatusCode);
        }

        using (var set = await SendAsync(server, HttpMethod.Put, "admin/protection/tenants/acme", server.AdminKey, """{"home":"CN","allow":["CN","local"],"personal_data_abroad":"mask"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
            var rule = JsonDocument.Parse(await set.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("tenant", rule.GetProperty("scope").GetString());
            Assert.Equal("mask", rule.GetProperty("personal_data_abroad").GetString());
            Assert.Equal("block", rule.GetProperty("uninspectable").GetString());
            Assert.Equal(["CN", "local"], rule.GetProperty("allow").EnumerateArray().Select(e => e.GetString()));
        }

        // Taken up at once by the running server's catalog, and logged as made by the admin key.
        Assert.Single(server.App.Services.GetRequiredService<ResidencyCatalog>().All);
        using (var log = await SendAsync(server, HttpMethod.Get, "admin/protection", server.AdminKey))
        {
            var rules = JsonDocument.Parse(await log.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(1, rules.GetArrayLength());
        }

        Assert.Contains(ConfigEntries(server), e => e.GetProperty("action").GetString() == "residency.set"
            && e.GetProperty("subject").GetString() == "tenant:acme" && e.GetProperty("by").GetString() == "admin:" + adminId);

        using (var report = await SendAsync(server, HttpMethod.Get, "admin/transfers/report?format=csv", server.AdminKey))
        {
            Assert.Equal(HttpStatusCode.OK, report.StatusCode);
            Assert.StartsWith("jurisdiction,provider,action", await report.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var removed = await SendAsync(server, HttpMethod.Delete, "admin/protection/tenants/acme", server.AdminKey))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        using (var again = await SendAsync(server, HttpMethod.Delete, "admin/protection/tenants/acme", server.AdminKey))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }

        Assert.Empty(server.App.Services.GetRequiredService<ResidencyCatalog>().All);
    }

    [Fact]
    public async Task CountTokens_ForADestinationAbroad_IsEstimatedAtHome_NotSentThere()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("abroad", "", provider: "simulator-anthropic", tuning: new ChannelTuning(1, Jurisdiction: "US"));
        var (key, keyId) = ResidencyRoutingTests.IssueKey(lab);
        const string body = """{"model":"sim-small","messages":[{"role":"user","content":"my id is 11010519491231002X"}]}""";

        using (var before = await lab.Server.Http.SendAsync(Count(key, body)))
        {
            // The control: with no rule the count is the upstream's own.
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
            Assert.Equal("upstream", before.Headers.GetValues("Warden-Token-Count").Single());
        }

        ResidencyRoutingTests.Set(lab, new ResidencyRuleSpec(null, keyId, "CN", null, "block"));
        int sent = lab.Simulator.Journal.Snapshot().Count;
        using var response = await lab.Server.Http.SendAsync(Count(key, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("estimated", response.Headers.GetValues("Warden-Token-Count").Single(), StringComparison.Ordinal);
        Assert.Equal(sent, lab.Simulator.Journal.Snapshot().Count);
    }

    private static HttpRequestMessage Count(string key, string body)
    {
        var request = ResidencyRoutingTests.AnthropicRequest(key, body);
        request.RequestUri = new Uri("v1/messages/count_tokens", UriKind.Relative);
        return request;
    }

    private static Task<HttpResponseMessage> SendAsync(WardenTestServer server, HttpMethod method, string path, string key, string? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return server.Http.SendAsync(request);
    }

    private static List<JsonElement> ConfigEntries(WardenTestServer server)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + Path.Combine(server.DataDirectory, Warden.Server.Hosting.DataFolder.DatabaseFileName) + ";Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT entry FROM log_entries WHERE kind = 'config' ORDER BY idx";
        using var reader = command.ExecuteReader();
        var entries = new List<JsonElement>();
        while (reader.Read())
        {
            entries.Add(JsonDocument.Parse((byte[])reader.GetValue(0)).RootElement.Clone());
        }

        return entries;
    }
}
