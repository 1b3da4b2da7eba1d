using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Warden.Server.Billing;
using Warden.Server.Tests.Cli;

namespace Warden.Server.Tests.Billing;

/// <summary>
/// The in-memory billing snapshot (issues 5 and 7): a warm reservation reads tenant, limits and price from memory;
/// every change made through the admin API or the CLI code path is seen by the very next request, in this process at
/// once and from another process after the reload the server's configuration poll performs; and price, tenant and
/// limit changes are transparency-log configuration events (issue 4).
/// </summary>
public sealed class BillingCatalogTests
{
    private static readonly PriceRates Cheap = new(1_000_000, 2_000_000, 1_000_000, 1_000_000, 2_000_000);

    [Fact]
    public async Task ReserveOnAWarmSnapshot_QueriesNoTenantLimitOrPriceTable_AndOpensOnlyTheHoldsConnection()
    {
        using var setup = new BillingSetup();
        setup.Billing.Ledger.TopUp(setup.Tenant, null, 1_000_000, "admin:test");
        Assert.Null(setup.Billing.RateLimits.Set(new RateLimits("key", setup.Key.Id, 1, null, null)));
        long loads = setup.Billing.Catalog.Loads;

        // Take the configuration tables away behind the server's back (no version bump): any query of them would now fail.
        setup.RawSql("""
            ALTER TABLE tenants RENAME TO tenants_away;
            ALTER TABLE key_tenants RENAME TO key_tenants_away;
            ALTER TABLE rate_limits RENAME TO rate_limits_away;
            ALTER TABLE price_versions RENAME TO price_versions_away;
            """);
        long opened = setup.Folder.Database.Opened;

        var reservation = (await setup.Billing.Gate.ReserveAsync(setup.Key, BillingSetup.Model, 10_000, 2_000, "warm-1")).Reservation!;
        Assert.Equal(setup.Tenant.Id, reservation.Tenant!.Id);
        Assert.Equal(setup.Price.Version, reservation.Price!.Version);
        Assert.Equal(setup.Tenant.AccountId, reservation.Account);
        Assert.Equal(67_503, reservation.ReservedMicros);   // 10_000 × 3.75 + 2_000 × 15, + 3 micros of rounding slack
        Assert.Equal(opened + 1, setup.Folder.Database.Opened);   // the hold's own transaction, nothing else

        var limited = (await setup.Billing.Gate.ReserveAsync(setup.Key, BillingSetup.Model, 10_000, 2_000, "warm-2")).Refusal!;
        Assert.Equal(BillingRefusalKind.RateLimited, limited.Kind);   // the key's limit, from memory
        Assert.Equal(opened + 1, setup.Folder.Database.Opened);
        Assert.Equal(loads, setup.Billing.Catalog.Loads);

        // The tables really were out of reach: reading the snapshot again fails.
        Assert.Throws<SqliteException>(() => setup.Billing.Catalog.Reload());
    }

    [Fact]
    public async Task AdminApiAndServerSideChanges_AreSeenByTheVeryNextRequest()
    {
        await using var metered = await MeteredServer.StartAsync();
        metered.TopUp(10_000_000);
        using (var unpriced = await SendChatAsync(metered))
        {
            Assert.Equal(HttpStatusCode.Forbidden, unpriced.StatusCode);
        }

        // A price set through the admin API bills the next request.
        long first = (await AdminAsync(metered, HttpMethod.Post, "admin/prices", """{"model":"sim-small","input_per_million":1000000,"output_per_million":2000000}""", HttpStatusCode.Created))
            .GetProperty("version").GetInt64();
        Assert.Equal(first, (await SettledChatAsync(metered)).PriceVersion);

        // A price change through the admin API: the next request uses the new version.
        long second = (await AdminAsync(metered, HttpMethod.Post, "admin/prices", """{"model":"sim-small","input_per_million":3000000,"output_per_million":4000000}""", HttpStatusCode.Created))
            .GetProperty("version").GetInt64();
        Assert.Equal(second, (await SettledChatAsync(metered)).PriceVersion);

        // A key account created by the key's first top-up pays for the next request instead of the tenant.
        await AdminAsync(metered, HttpMethod.Post, "admin/credits/topup", $$"""{"tenant":"acme","key_id":"{{metered.ClientKey.Id}}","amount_micros":5000000}""", HttpStatusCode.OK);
        long tenantBefore = metered.Balance;
        var charged = await SettledChatAsync(metered);
        Assert.True(charged.ChargedMicros > 0);
        Assert.Equal(tenantBefore, metered.Balance);
        Assert.Equal(5_000_000 - charged.ChargedMicros, metered.Billing.Ledger.Balance(LedgerAccounts.Key(metered.ClientKey.Id)));

        // A lowered rate limit (the call 'warden limits rate' makes, in the server's process): the next requests obey it.
        Assert.Null(metered.Billing.RateLimits.Set(new RateLimits("key", metered.ClientKey.Id, 1, null, null)));
        await SettledChatAsync(metered);
        using (var limited = await SendChatAsync(metered))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        }

        // Moving the key to a tenant in another currency, where the model has no price: the next request is the new
        // tenant's, so it is refused as not priced instead of billed in acme's dollars.
        Assert.Null(metered.Billing.RateLimits.Set(new RateLimits("key", metered.ClientKey.Id, 1000, null, null)));
        await SettledChatAsync(metered);
        await AdminAsync(metered, HttpMethod.Post, "admin/tenants", """{"name":"euro","currency":"EUR"}""", HttpStatusCode.Created);
        await AdminAsync(metered, HttpMethod.Put, $"admin/tenants/euro/keys/{metered.ClientKey.Id}", null, HttpStatusCode.NoContent);
        using (var moved = await SendChatAsync(metered))
        {
            Assert.Equal(HttpStatusCode.Forbidden, moved.StatusCode);
        }

        Assert.Empty(metered.Billing.Check.Run());
    }

    [Fact]
    public async Task CliChangesFromAnotherProcess_BumpTheConfigVersion_AndTheServersReloadAppliesThemToTheNextRequest()
    {
        await using var metered = await MeteredServer.StartAsync();
        metered.TopUp(10_000_000);
        metered.SetPrice("sim-small", Cheap);
        await SettledChatAsync(metered);
        string data = metered.Server.DataDirectory;
        string keyId = metered.ClientKey.Id;

        // The CLI opens its own data folder: its own database object and billing services, as a separate process would.
        long version = ConfigVersion(data);
        Assert.Equal(0, (await CliTests.RunAsync("prices", "set", "--model", "sim-small", "--input", "3", "--output", "15", "--data", data)).Exit);
        Assert.True(ConfigVersion(data) > version, "a price change must bump the configuration version the server polls");
        long cliPrice = MeteredServer.CountRows(data, "SELECT MAX(version) FROM price_versions");
        metered.Server.Reload();
        Assert.Equal(cliPrice, (await SettledChatAsync(metered)).PriceVersion);

        version = ConfigVersion(data);
        Assert.Equal(0, (await CliTests.RunAsync("credits", "topup", "--tenant", "acme", "--key", keyId, "--amount", "5", "--data", data)).Exit);
        Assert.True(ConfigVersion(data) > version, "creating a key account must bump the configuration version");
        metered.Server.Reload();
        long tenantBefore = metered.Balance;
        var charged = await SettledChatAsync(metered);
        Assert.Equal(tenantBefore, metered.Balance);
        Assert.Equal(5_000_000 - charged.ChargedMicros, metered.Billing.Ledger.Balance(LedgerAccounts.Key(keyId)));

        version = ConfigVersion(data);
        Assert.Equal(0, (await CliTests.RunAsync("limits", "rate", "--key", keyId, "--rpm", "1", "--data", data)).Exit);
        Assert.True(ConfigVersion(data) > version, "a limit change must bump the configuration version");
        metered.Server.Reload();
        await SettledChatAsync(metered);
        using (var limited = await SendChatAsync(metered))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        }

        Assert.Equal(0, (await CliTests.RunAsync("limits", "rate", "--key", keyId, "--rpm", "1000", "--data", data)).Exit);
        metered.Server.Reload();
        await SettledChatAsync(metered);
        Assert.Equal(0, (await CliTests.RunAsync("tenants", "add", "--name", "euro", "--currency", "EUR", "--data", data)).Exit);
        version = ConfigVersion(data);
        Assert.Equal(0, (await CliTests.RunAsync("tenants", "assign", "--key", keyId, "--tenant", "euro", "--data", data)).Exit);
        Assert.True(ConfigVersion(data) > version, "moving a key must bump the configuration version");
        metered.Server.Reload();
        using (var moved = await SendChatAsync(metered))
        {
            Assert.Equal(HttpStatusCode.Forbidden, moved.StatusCode);   // the euro tenant's: no EUR price
        }
    }

    [Fact]
    public async Task BillingChanges_AreConfigEntries_NamingWhoMadeThem_AndNeverACode()
    {
        await using var metered = await MeteredServer.StartAsync();
        var keys = await AdminAsync(metered, HttpMethod.Get, "admin/keys", null, HttpStatusCode.OK);
        string adminId = keys.EnumerateArray().First(k => k.GetProperty("role").GetString() == "admin").GetProperty("id").GetString()!;

        await AdminAsync(metered, HttpMethod.Post, "admin/prices", """{"model":"sim-small","currency":"EUR","input_per_million":1000000,"output_per_million":2000000}""", HttpStatusCode.Created);
        var batch = await AdminAsync(metered, HttpMethod.Post, "admin/codes", """{"count":2,"amount_micros":500000}""", HttpStatusCode.Created);
        string batchId = batch.GetProperty("batch_id").GetString()!;
        string[] codes = [.. batch.GetProperty("codes").EnumerateArray().Select(c => c.GetString()!)];
        Assert.Equal(0, (await CliTests.RunAsync("limits", "rate", "--tenant", "acme", "--rpm", "60", "--data", metered.Server.DataDirectory)).Exit);

        var entries = await ConfigEntriesAsync(metered);
        var price = Assert.Single(entries, e => e.GetProperty("action").GetString() == "price.set");
        Assert.Equal("sim-small/EUR", price.GetProperty("subject").GetString());
        Assert.Equal("admin:" + adminId, price.GetProperty("by").GetString());

        var codesEntry = Assert.Single(entries, e => e.GetProperty("action").GetString() == "codes.create");
        Assert.Equal(batchId + "/2", codesEntry.GetProperty("subject").GetString());
        Assert.Equal("admin:" + adminId, codesEntry.GetProperty("by").GetString());
        Assert.DoesNotContain(entries, e => codes.Any(c => e.GetRawText().Contains(c, StringComparison.Ordinal)));

        // MeteredServer set up acme and its key in the server process; the CLI's limit is the CLI's.
        var tenant = Assert.Single(entries, e => e.GetProperty("action").GetString() == "tenant.add");
        Assert.Equal(("acme", "server"), (tenant.GetProperty("subject").GetString(), tenant.GetProperty("by").GetString()));
        Assert.Equal(metered.ClientKey.Id + "/acme",
            Assert.Single(entries, e => e.GetProperty("action").GetString() == "key.assign_tenant").GetProperty("subject").GetString());
        var limit = Assert.Single(entries, e => e.GetProperty("action").GetString() == "rate_limit.set");
        Assert.Equal(("tenant/" + metered.Tenant.Id, "cli"), (limit.GetProperty("subject").GetString(), limit.GetProperty("by").GetString()));
    }

    private static long ConfigVersion(string dataDirectory) =>
        MeteredServer.CountRows(dataDirectory, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'config_version'");

    private static Task<HttpResponseMessage> SendChatAsync(MeteredServer metered) =>
        metered.Server.Http.SendAsync(MeteredServer.Chat(metered.Key, MeteredServer.ChatBody("sim-small", 50)));

    private static async Task<SettlementResult> SettledChatAsync(MeteredServer metered)
    {
        using var response = await SendChatAsync(metered);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await metered.SettlementOfAsync(Assert.Single(response.Headers.GetValues("x-request-id")));
    }

    private static async Task<JsonElement> AdminAsync(MeteredServer metered, HttpMethod method, string path, string? json, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", metered.Server.AdminKey);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await metered.Server.Http.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{method} {path}: {(int)response.StatusCode} {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<List<JsonElement>> ConfigEntriesAsync(MeteredServer metered)
    {
        var listed = await AdminAsync(metered, HttpMethod.Get, "v1/transparency/entries", null, HttpStatusCode.OK);
        var entries = new List<JsonElement>();
        foreach (var row in listed.GetProperty("entries").EnumerateArray().Where(r => r.GetProperty("kind").GetString() == "config"))
        {
            using var document = JsonDocument.Parse(row.GetProperty("entry").GetString()!);
            entries.Add(document.RootElement.Clone());
        }

        return entries;
    }
}
