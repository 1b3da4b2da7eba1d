using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;
using Warden.Server.Billing;
using Warden.Server.Billing.Catalog;
using Warden.Server.Hosting;
using Warden.Server.Keys;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Billing;

/// <summary>
/// The built-in price catalog (issue 22): a fresh install prices the common models so a metered key works at once;
/// an operator's prices always win; <c>warden prices sync</c> moves only the prices the catalog owns, logged.
/// </summary>
public sealed class PriceCatalogTests
{
    [Fact]
    public void BuiltInCatalog_IsDatedVersionedAndNamesASourceForEveryPrice()
    {
        var catalog = PriceCatalog.BuiltIn;
        Assert.NotEmpty(catalog.Version);
        Assert.Equal("USD", catalog.Currency);
        foreach (string model in (string[])["gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3", "o4-mini", "gpt-5", "claude-opus-4-5", "claude-sonnet-4-5",
            "claude-haiku-4-5", "gemini-2.5-pro", "gemini-2.5-flash", "deepseek-chat", "sim-small", "sim-large", "sim-reasoner"])
        {
            var entry = Assert.Single(catalog.Entries, e => e.Model == model);
            Assert.NotEmpty(entry.Source);
            Assert.True(entry.Rates.Input > 0 && entry.Rates.Output > 0);
        }
    }

    [Fact]
    public async Task FreshInstall_MeteredKeyCallsACatalogModel_Answers200AndBillsTheCatalogPrice()
    {
        await using var server = await WardenTestServer.StartAsync();
        var data = server.App.Data;
        var tenant = data.Billing.Tenants.Add("acme", "USD").Tenant!;
        var issued = data.KeyIssuer.Issue("acme-key", KeyRole.Client, null, null);
        Assert.Null(data.Billing.Tenants.AssignKey(issued.Key.Id, tenant.Id));
        Assert.Null(data.Billing.Ledger.TopUp(tenant, null, 10_000_000, "admin:test").Problem);
        server.Reload();

        using var response = await server.Http.SendAsync(Requests.Chat(issued.Plaintext,
            """{"model":"sim-small","max_tokens":64,"messages":[{"role":"user","content":"Hello from a metered key."}]}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        string requestId = response.Headers.GetValues("x-request-id").Single();
        await server.UsageForAsync(requestId);
        var settlement = data.Billing.Ledger.FindSettlement(requestId)!;
        var catalogPrice = data.Billing.Prices.Current("sim-small", "USD")!;
        Assert.Equal(catalogPrice.Version, settlement.PriceVersion);
        Assert.Equal(PriceCatalog.BuiltIn.Entries.Single(e => e.Model == "sim-small").Rates.Input, catalogPrice.InputPerMillion);
        Assert.True(settlement.ChargedMicros > 0);
    }

    [Fact]
    public void Sync_NewerCatalog_ChangesOnlyCatalogOwnedPrices_KeepsOperatorPrices_AndLogsOneEntry()
    {
        using var folder = new TempDirectory();
        var data = DataFolder.Open(folder.Path, null, TimeProvider.System);
        var first = Catalog("2026-12-01.1", ("sim-small", "0.10", "0.40"), ("sim-large", "1.00", "4.00"), ("sim-reasoner", "2.00", "8.00"));
        var report = PriceCatalogSync.Apply(data.Database, data.Billing.Catalog, first, data.Time);
        Assert.Equal(["sim-small", "sim-large", "sim-reasoner"], report.Added);

        // The operator prices sim-large themselves.
        var operatorRates = new PriceRates(7_000_000, 9_000_000, 7_000_000, 7_000_000, 9_000_000);
        var operatorPrice = data.Billing.Prices.Set("sim-large", "USD", operatorRates).Price!;
        int entriesBefore = CatalogEntries(folder.Path).Count;

        var newer = Catalog("2026-12-07.1", ("sim-small", "0.20", "0.80"), ("sim-large", "2.00", "8.00"), ("sim-reasoner", "2.00", "8.00"), ("sim-new", "1.00", "1.00"));
        report = PriceCatalogSync.Apply(data.Database, data.Billing.Catalog, newer, data.Time);

        Assert.Equal(["sim-new"], report.Added);
        Assert.Equal(["sim-small"], report.Changed);
        Assert.Equal(["sim-reasoner"], report.Unchanged);
        Assert.Equal(["sim-large"], report.KeptOperatorPrice);
        Assert.Equal(operatorPrice.Version, data.Billing.Prices.Current("sim-large", "USD")!.Version);
        Assert.Equal(200_000, data.Billing.Prices.Current("sim-small", "USD")!.InputPerMillion);

        var entries = CatalogEntries(folder.Path);
        Assert.Equal(entriesBefore + 1, entries.Count);
        Assert.Contains("\"subject\":\"2026-12-07.1/USD\"", entries[^1], StringComparison.Ordinal);
        Assert.Contains("price/", entries[^1], StringComparison.Ordinal);

        // The same catalog again changes nothing and logs nothing.
        report = PriceCatalogSync.Apply(data.Database, data.Billing.Catalog, newer, data.Time);
        Assert.Empty(report.Added.Concat(report.Changed));
        Assert.Equal(entriesBefore + 1, CatalogEntries(folder.Path).Count);
    }

    [Fact]
    public async Task PricesSyncCli_WithAFile_ReportsWhatChanged_AndRefusesABadFile()
    {
        using var folder = new TempDirectory();
        var data = DataFolder.Open(folder.Path, null, TimeProvider.System);
        PriceCatalogSync.Apply(data.Database, data.Billing.Catalog, Catalog("1", ("sim-small", "0.10", "0.40")), data.Time);
        data.Billing.Prices.Set("sim-operator", "USD", new PriceRates(1, 1, 1, 1, 1));

        string file = Path.Combine(folder.Path, "newer.json");
        await File.WriteAllTextAsync(file, Json("2", ("sim-small", "0.30", "0.90"), ("sim-operator", "5.00", "5.00")));
        var (exit, output) = await CliTests.RunAsync("prices", "sync", "--file", file, "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.Contains("0 added, 1 changed, 0 unchanged, 1 kept", output, StringComparison.Ordinal);
        Assert.Contains("changed: sim-small", output, StringComparison.Ordinal);
        Assert.Contains("kept: sim-operator", output, StringComparison.Ordinal);

        await File.WriteAllTextAsync(file, """{"version":"3","date":"2026-12-08","currency":"USD","models":[{"model":"x","input":"1.5e3","output":"1","source":"s"}]}""");
        (exit, output) = await CliTests.RunAsync("prices", "sync", "--file", file, "--data", folder.Path);
        Assert.Equal(1, exit);
        Assert.Contains("decimal string", output, StringComparison.Ordinal);
    }

    private static PriceCatalog Catalog(string version, params (string Model, string Input, string Output)[] prices) =>
        PriceCatalog.Parse(Encoding.UTF8.GetBytes(Json(version, prices))).Catalog!;

    private static string Json(string version, params (string Model, string Input, string Output)[] prices)
    {
        var models = prices.Select(p => "{\"model\":\"" + p.Model + "\",\"input\":\"" + p.Input + "\",\"output\":\"" + p.Output + "\",\"source\":\"test\"}");
        return "{\"version\":\"" + version + "\",\"date\":\"2026-12-07\",\"currency\":\"USD\",\"models\":[" + string.Join(",", models) + "]}";
    }

    private static List<string> CatalogEntries(string dataDirectory)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, DataFolder.DatabaseFileName)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT entry FROM log_entries WHERE kind = 'config' ORDER BY idx";
        using var reader = command.ExecuteReader();
        var entries = new List<string>();
        while (reader.Read())
        {
            string entry = Encoding.UTF8.GetString((byte[])reader.GetValue(0));
            if (entry.Contains("\"action\":\"price.catalog\"", StringComparison.Ordinal))
            {
                entries.Add(entry);
            }
        }

        return entries;
    }
}
