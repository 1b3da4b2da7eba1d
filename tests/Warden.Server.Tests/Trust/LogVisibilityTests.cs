using System.Text.Json;
using Warden.Server.Keys;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Trust;

/// <summary>
/// Who reads which configuration events: an admin key reads them all; a client key reads the events that can change
/// how its own requests are served and the events about itself, and sees every other entry by leaf hash only.
/// </summary>
public sealed class LogVisibilityTests
{
    [Fact]
    public async Task ClientKey_ReadsEventsThatConcernIt_AndOnlyTheHashesOfOtherTenantsEvents()
    {
        await using var server = await WardenTestServer.StartAsync();
        var mine = server.App.Data.KeyIssuer.Issue("mine", KeyRole.Client, ["sim-small"], null);
        var theirs = server.App.Data.KeyIssuer.Issue("theirs", KeyRole.Client, null, null);
        var (tenant, problem) = server.App.Data.Billing.Tenants.Add("acme-secret-customer", "USD");
        Assert.Null(problem);
        Assert.Null(server.App.Data.Billing.Tenants.AssignKey(theirs.Key.Id, tenant!.Id));
        server.Reload();

        var asClient = await EntriesAsync(server, mine.Plaintext);
        var asAdmin = await EntriesAsync(server, server.AdminKey);

        Assert.Equal(asAdmin.Count, asClient.Count);
        Assert.Equal(asAdmin.Select(e => e.LeafHash), asClient.Select(e => e.LeafHash));
        string visible = string.Join("\n", asClient.Select(e => e.Entry));
        Assert.Contains(mine.Key.Id, visible, StringComparison.Ordinal);
        Assert.Contains("demo-simulator", visible, StringComparison.Ordinal);
        Assert.DoesNotContain("acme-secret-customer", visible, StringComparison.Ordinal);
        Assert.DoesNotContain(theirs.Key.Id, visible, StringComparison.Ordinal);
        Assert.Contains(asClient, e => e.Entry is null && e.Withheld);
        Assert.Contains(asAdmin, e => e.Entry is not null && e.Entry.Contains("acme-secret-customer", StringComparison.Ordinal));
        Assert.DoesNotContain(asAdmin, e => e.Withheld);
    }

    private static async Task<List<(string LeafHash, string? Entry, bool Withheld)>> EntriesAsync(WardenTestServer server, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/transparency/entries");
        request.Headers.Authorization = new("Bearer", key);
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. json.RootElement.GetProperty("entries").EnumerateArray().Select(e => (
            e.GetProperty("leaf_hash").GetString()!,
            e.GetProperty("entry").ValueKind == JsonValueKind.Null ? null : e.GetProperty("entry").GetString(),
            e.TryGetProperty("withheld", out var w) && w.GetBoolean()))];
    }
}
