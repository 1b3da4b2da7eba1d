using System.Text;
using Microsoft.Data.Sqlite;
using Warden.Core.Chat;
using Warden.Server.Billing;
using Warden.Server.Billing.Catalog;
using Warden.Server.Hosting;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Billing;

/// <summary>
/// Prices per operation (issue 22): per token for embeddings (input only) and completions, per image by size and
/// quality, per audio second, per speech character and per rerank search unit; usage recorded in those units.
/// </summary>
public sealed class OperationPricesTests
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    [Theory]
    [InlineData(3, 40_000, 1_000_000, 120_000)]
    [InlineData(7, 15, 1_500_000, 158)] // 105 micros at 1.5x is 157.5: rounded up
    [InlineData(0, 2_000, 1_000_000, 0)]
    [InlineData(1, 1, 1, 1)] // a millionth of a micro still costs one
    public void TryUnitCost_QuantityTimesPriceTimesMultiplier_RoundsUp(long quantity, long microsPerUnit, long multiplierPpm, long expected)
    {
        Assert.True(PriceCalculator.TryUnitCost(Price(microsPerUnit), quantity, multiplierPpm, out long micros));
        Assert.Equal(expected, micros);
    }

    [Theory]
    [InlineData(long.MaxValue, 2, 1_000_000)]
    [InlineData(-1, 2, 1_000_000)]
    [InlineData(1, 2, -1)]
    public void TryUnitCost_OverflowOrNegative_IsRefused(long quantity, long microsPerUnit, long multiplierPpm)
    {
        Assert.False(PriceCalculator.TryUnitCost(Price(microsPerUnit), quantity, multiplierPpm, out _));
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("2.0", 2)]
    [InlineData("2.01", 3)]
    [InlineData("59.999", 60)]
    public void TryBillableSeconds_StartedSecondsCount(string seconds, long expected)
    {
        Assert.True(PriceCalculator.TryBillableSeconds(decimal.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture), out long billable));
        Assert.Equal(expected, billable);
    }

    [Fact]
    public void TryBillableSeconds_Negative_IsRefused()
    {
        Assert.False(PriceCalculator.TryBillableSeconds(-0.5m, out _));
    }

    [Fact]
    public void Cost_EmbeddingsAtTheirCatalogPrice_ChargesInputTokensOnly()
    {
        var entry = PriceCatalog.BuiltIn.Entries.Single(e => e.Model == "text-embedding-3-small");
        var price = new PriceVersion(1, entry.Model, "USD", entry.Rates.Input, entry.Rates.Output, entry.Rates.CacheRead, entry.Rates.CacheWrite, entry.Rates.Reasoning, Epoch, Epoch);

        var cost = PriceCalculator.Cost(price, new Warden.Core.Chat.Usage(1_000_000, 0, null, null, null, UsageSource.Reported), 1_000_000);

        Assert.Equal(20_000, cost.UncachedInputMicros); // 0.02 per million
        Assert.Equal(0, cost.OutputMicros);
        Assert.Equal(20_000, cost.TotalMicros);
    }

    [Fact]
    public void UnitPrices_Current_PicksTheMostSpecificVariantThenTheNewestVersion()
    {
        using var folder = new TempDirectory();
        var prices = DataFolder.Open(folder.Path, null, TimeProvider.System).Billing.UnitPrices;
        Assert.Null(prices.Set("img", "USD", PriceUnit.Image, "*", 40_000).Problem);
        Assert.Null(prices.Set("img", "USD", PriceUnit.Image, "1024x1024/hd", 80_000).Problem);
        Assert.Null(prices.Set("img", "USD", PriceUnit.Image, "1792x1024/*", 60_000).Problem);

        Assert.Equal(80_000, prices.Current("img", "USD", PriceUnit.Image, "1024x1024/hd")!.MicrosPerUnit);
        Assert.Equal(40_000, prices.Current("img", "USD", PriceUnit.Image, "1024x1024/standard")!.MicrosPerUnit);
        Assert.Equal(60_000, prices.Current("img", "USD", PriceUnit.Image, "1792x1024/hd")!.MicrosPerUnit);
        Assert.Null(prices.Current("img", "EUR", PriceUnit.Image, "1024x1024/hd"));
        Assert.Null(prices.Current("img", "USD", PriceUnit.Character));

        var newer = prices.Set("img", "USD", PriceUnit.Image, "1024x1024/hd", 90_000).Price!;
        Assert.Equal(newer.Version, prices.Current("img", "USD", PriceUnit.Image, "1024x1024/hd")!.Version);
        Assert.Equal(90_000, prices.Current("img", "USD", PriceUnit.Image, "1024x1024/hd")!.MicrosPerUnit);
        Assert.Equal(80_000, prices.Current("img", "USD", PriceUnit.Image, "1024x1024/hd", newer.EffectiveAt.AddTicks(-1))!.MicrosPerUnit);
    }

    [Theory]
    [InlineData("character", "1024x1024/hd")]
    [InlineData("image", "1024x1024")]
    [InlineData("image", "/hd")]
    public void UnitPrices_Set_BadVariant_IsAProblem(string unitName, string variant)
    {
        var unit = PriceUnitNames.Parse(unitName);
        using var folder = new TempDirectory();
        var prices = DataFolder.Open(folder.Path, null, TimeProvider.System).Billing.UnitPrices;

        var (price, problem) = prices.Set("m", "USD", unit, variant, 1);

        Assert.Null(price);
        Assert.NotNull(problem);
        Assert.Empty(prices.List());
    }

    [Fact]
    public void UnitPrices_Set_IsLoggedAsAConfigurationChange()
    {
        using var folder = new TempDirectory();
        var prices = DataFolder.Open(folder.Path, null, TimeProvider.System).Billing.UnitPrices;

        prices.Set("sim-tts", "USD", PriceUnit.Character, null, 15);

        var entry = Assert.Single(ConfigEntries(folder.Path, "unit_price.set"));
        Assert.Contains("\"subject\":\"sim-tts/USD/character/*\"", entry, StringComparison.Ordinal);
        Assert.Contains("unit_price/", entry, StringComparison.Ordinal);
    }

    [Fact]
    public void BuiltInCatalog_FreshInstall_PricesEveryOperationModelOfTheSimulator()
    {
        using var folder = new TempDirectory();
        var data = DataFolder.Open(folder.Path, null, TimeProvider.System);

        PriceCatalogSync.Apply(data.Database, data.Billing.Catalog, PriceCatalog.BuiltIn, data.Time);

        Assert.Equal(20_000, data.Billing.Prices.Current("sim-embed", "USD")!.InputPerMillion);
        Assert.Equal(0, data.Billing.Prices.Current("sim-embed", "USD")!.OutputPerMillion);
        Assert.Equal(40_000, data.Billing.UnitPrices.Current("sim-image", "USD", PriceUnit.Image, "512x512/standard")!.MicrosPerUnit);
        Assert.Equal(80_000, data.Billing.UnitPrices.Current("sim-image", "USD", PriceUnit.Image, "1024x1024/hd")!.MicrosPerUnit);
        Assert.Equal(100, data.Billing.UnitPrices.Current("sim-whisper", "USD", PriceUnit.AudioSecond)!.MicrosPerUnit);
        Assert.Equal(15, data.Billing.UnitPrices.Current("sim-tts", "USD", PriceUnit.Character)!.MicrosPerUnit);
        Assert.Equal(2_000, data.Billing.UnitPrices.Current("sim-rerank", "USD", PriceUnit.SearchUnit)!.MicrosPerUnit);
        Assert.Equal(120_000, data.Billing.UnitPrices.Current("dall-e-3", "USD", PriceUnit.Image, "1792x1024/hd")!.MicrosPerUnit);
        Assert.All(data.Billing.UnitPrices.List(), p => Assert.StartsWith("catalog:", p.Source, StringComparison.Ordinal));
    }

    [Fact]
    public void CatalogSync_UnitPrices_ChangesCatalogOwnedOnes_KeepsOperatorOnes()
    {
        using var folder = new TempDirectory();
        var data = DataFolder.Open(folder.Path, null, TimeProvider.System);
        PriceCatalogSync.Apply(data.Database, data.Billing.Catalog, UnitCatalog("1", ("a", "0.01"), ("b", "0.01")), data.Time);
        data.Billing.UnitPrices.Set("b", "USD", PriceUnit.SearchUnit, null, 7);

        var report = PriceCatalogSync.Apply(data.Database, data.Billing.Catalog, UnitCatalog("2", ("a", "0.02"), ("b", "0.02"), ("c", "0.03")), data.Time);

        Assert.Equal(["c search_unit *"], report.Added);
        Assert.Equal(["a search_unit *"], report.Changed);
        Assert.Equal(["b search_unit *"], report.KeptOperatorPrice);
        Assert.Equal(20_000, data.Billing.UnitPrices.Current("a", "USD", PriceUnit.SearchUnit)!.MicrosPerUnit);
        Assert.Equal(7, data.Billing.UnitPrices.Current("b", "USD", PriceUnit.SearchUnit)!.MicrosPerUnit);
    }

    [Theory]
    [InlineData("""{"model":"x","unit":"frame","price":"1","source":"s"}""", "unit")]
    [InlineData("""{"model":"x","unit":"image","variant":"big","price":"1","source":"s"}""", "variant")]
    [InlineData("""{"model":"x","unit":"image","price":"1e3","source":"s"}""", "decimal string")]
    [InlineData("""{"model":"x","unit":"image","price":"1"}""", "source")]
    public void CatalogParse_BadUnitPrice_NamesTheProblem(string entry, string expected)
    {
        var (catalog, problem) = PriceCatalog.Parse(Encoding.UTF8.GetBytes(
            """{"version":"1","date":"2026-12-08","currency":"USD","models":[],"unit_prices":[""" + entry + "]}"));

        Assert.Null(catalog);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void OperationUsage_Record_KeepsOneRowPerRequestUnitAndVariant()
    {
        using var folder = new TempDirectory();
        var store = DataFolder.Open(folder.Path, null, TimeProvider.System).Billing.OperationUsage;
        var usage = new OperationUsage("req_1", "images", "sim-image", PriceUnit.Image, "1024x1024/hd", 2, 5, 160_000, Epoch);

        Assert.True(store.Record(usage));
        Assert.False(store.Record(usage with { Quantity = 3 }));
        Assert.True(store.Record(usage with { Variant = "*", Quantity = 1 }));

        var rows = store.ForRequest("req_1");
        Assert.Equal(2, rows.Count);
        Assert.Equal(usage, rows.Single(r => r.Variant == "1024x1024/hd"));
    }

    [Fact]
    public async Task PricesCli_SetUnitAndUnits_SetsAndListsAPerUnitPrice()
    {
        using var folder = new TempDirectory();

        var (exit, output) = await CliTests.RunAsync("prices", "set-unit", "--model", "sim-image", "--unit", "image", "--variant", "1024x1024/hd", "--price", "0.08", "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.Contains("0.080000 per image (1024x1024/hd)", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("prices", "units", "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.Contains("sim-image", output, StringComparison.Ordinal);
        Assert.Contains("operator", output, StringComparison.Ordinal);

        (exit, _) = await CliTests.RunAsync("prices", "set-unit", "--model", "m", "--unit", "frame", "--price", "1", "--data", folder.Path);
        Assert.Equal(1, exit);
    }

    [Fact]
    public async Task PricesSyncCli_UnconfirmedUnitPrice_IsCountedInTheWarning()
    {
        using var folder = new TempDirectory();
        string file = Path.Combine(folder.Path, "units.json");
        await File.WriteAllTextAsync(file, """
            {"version":"u1","date":"2026-12-08","currency":"USD","models":[],
             "unit_prices":[{"model":"whisper-x","unit":"audio_second","price":"0.0001","source":"test","confirmed":false}]}
            """);

        var (exit, output) = await CliTests.RunAsync("prices", "sync", "--file", file, "--data", folder.Path);

        Assert.Equal(0, exit);
        Assert.Contains("added: whisper-x audio_second *", output, StringComparison.Ordinal);
        Assert.Contains("1 of these prices are marked unconfirmed", output, StringComparison.Ordinal);
    }

    private static UnitPrice Price(long microsPerUnit) =>
        new(1, "m", "USD", PriceUnit.Image, UnitPrice.AnyVariant, microsPerUnit, UnitPrice.OperatorSource, Epoch, Epoch);

    private static PriceCatalog UnitCatalog(string version, params (string Model, string Price)[] prices)
    {
        var units = prices.Select(p => "{\"model\":\"" + p.Model + "\",\"unit\":\"search_unit\",\"price\":\"" + p.Price + "\",\"source\":\"test\"}");
        var json = "{\"version\":\"" + version + "\",\"date\":\"2026-12-08\",\"currency\":\"USD\",\"models\":[],\"unit_prices\":[" + string.Join(",", units) + "]}";
        var (catalog, problem) = PriceCatalog.Parse(Encoding.UTF8.GetBytes(json));
        return catalog ?? throw new InvalidOperationException(problem);
    }

    private static List<string> ConfigEntries(string dataDirectory, string action)
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
            if (entry.Contains("\"action\":\"" + action + "\"", StringComparison.Ordinal))
            {
                entries.Add(entry);
            }
        }

        return entries;
    }
}
