using System.CommandLine;
using Warden.Server.Billing;
using Warden.Server.Billing.Catalog;

namespace Warden.Server.Cli;

/// <summary><c>warden prices set|list</c>: the versioned price table.</summary>
internal static class PricesCommand
{
    public static Command Build()
    {
        var data = CommonOptions.Data();

        var model = new Option<string>("--model") { Description = "The model name clients request.", Required = true };
        var currency = new Option<string>("--currency") { Description = "The currency (default USD).", DefaultValueFactory = _ => Currencies.Default };
        var input = BillingCliText.Amount("--input", "Price per million uncached input tokens.");
        var output = BillingCliText.Amount("--output", "Price per million output tokens.");
        var cacheRead = BillingCliText.Amount("--cache-read", "Price per million cache-read input tokens (default: the input price).", required: false);
        var cacheWrite = BillingCliText.Amount("--cache-write", "Price per million cache-write input tokens (default: the input price).", required: false);
        var reasoning = BillingCliText.Amount("--reasoning", "Price per million reasoning tokens (default: the output price).", required: false);
        var effective = new Option<DateTimeOffset?>("--effective") { Description = "When the price takes effect (ISO 8601; default now)." };
        var set = new Command("set", "Add a new price version for a model (old versions are kept).")
        {
            model, currency, input, output, cacheRead, cacheWrite, reasoning, effective, data,
        };
        set.SetAction(parse =>
        {
            if (BillingCliText.Micros(parse, input) is not { } inputMicros || BillingCliText.Micros(parse, output) is not { } outputMicros)
            {
                return BillingCliText.UsageError;
            }

            long? read = BillingCliText.Micros(parse, cacheRead), write = BillingCliText.Micros(parse, cacheWrite), think = BillingCliText.Micros(parse, reasoning);
            if ((parse.GetValue(cacheRead) is not null && read is null) || (parse.GetValue(cacheWrite) is not null && write is null)
                || (parse.GetValue(reasoning) is not null && think is null))
            {
                return BillingCliText.UsageError;
            }

            var rates = new PriceRates(inputMicros, outputMicros, read ?? inputMicros, write ?? inputMicros, think ?? outputMicros);
            var (price, problem) = CommonOptions.OpenData(parse, data).Billing.Prices.Set(parse.GetValue(model)!, parse.GetValue(currency)!, rates, parse.GetValue(effective));
            if (price is null)
            {
                return BillingCliText.Fail(parse, problem!);
            }

            CommonOptions.Out(parse).WriteLine($"Price version {price.Version} for {price.Model} in {price.Currency}.");
            return 0;
        });

        var list = new Command("list", "List every price version (per million tokens), newest first.") { data };
        list.SetAction(parse =>
        {
            var rows = CommonOptions.OpenData(parse, data).Billing.Prices.List().Select(p => new[]
            {
                BillingCliText.Num(p.Version), p.Model, p.Currency, Money.Format(p.InputPerMillion), Money.Format(p.OutputPerMillion),
                Money.Format(p.CacheReadPerMillion), Money.Format(p.CacheWritePerMillion), Money.Format(p.ReasoningPerMillion),
                p.EffectiveAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture),
            });
            TextTable.Write(CommonOptions.Out(parse), ["VERSION", "MODEL", "CURRENCY", "INPUT", "OUTPUT", "CACHE_READ", "CACHE_WRITE", "REASONING", "EFFECTIVE"], rows);
            return 0;
        });

        var file = new Option<FileInfo?>("--file") { Description = "A newer catalog file (JSON, the shape of the built-in one); default: the catalog built into this version." };
        var sync = new Command("sync", "Update the prices the built-in catalog set from a catalog (prices an operator set are never changed); logged.") { file, data };
        sync.SetAction(parse =>
        {
            var catalog = PriceCatalog.BuiltIn;
            if (parse.GetValue(file) is { } path)
            {
                if (!path.Exists)
                {
                    return BillingCliText.Fail(parse, $"No catalog file at {path.FullName}.");
                }

                var (read, problem) = PriceCatalog.Parse(File.ReadAllBytes(path.FullName));
                if (read is null)
                {
                    return BillingCliText.Fail(parse, problem!);
                }

                catalog = read;
            }

            var folder = CommonOptions.OpenData(parse, data);
            var report = PriceCatalogSync.Apply(folder.Database, folder.Billing.Catalog, catalog, folder.Time);
            var output = CommonOptions.Out(parse);
            output.WriteLine($"Catalog {catalog.Version} ({catalog.Date:yyyy-MM-dd}, {catalog.Currency}): {report.Added.Count} added, {report.Changed.Count} changed, "
                + $"{report.Unchanged.Count} unchanged, {report.KeptOperatorPrice.Count} kept (set by the operator).");
            foreach (var (label, models) in (ReadOnlySpan<(string, List<string>)>)[("added", report.Added), ("changed", report.Changed), ("kept", report.KeptOperatorPrice)])
            {
                foreach (string model in models)
                {
                    output.WriteLine($"  {label}: {model}");
                }
            }

            int unconfirmed = catalog.Entries.Count(e => !e.Confirmed && (report.Added.Contains(e.Model) || report.Changed.Contains(e.Model)))
                + catalog.Units.Count(u => !u.Confirmed && (report.Added.Contains(u.Label) || report.Changed.Contains(u.Label)));
            if (unconfirmed > 0)
            {
                output.WriteLine($"{unconfirmed} of these prices are marked unconfirmed in the catalog (see its notes): check them before billing customers.");
            }

            return 0;
        });

        var unit = new Option<string>("--unit") { Description = "What one unit is: " + string.Join(", ", PriceUnitNames.All) + ".", Required = true };
        var variant = new Option<string>("--variant") { Description = "For images SIZE/QUALITY (1024x1024/hd), SIZE/* or * (default *); other units take only *.", DefaultValueFactory = _ => UnitPrice.AnyVariant };
        var unitPrice = BillingCliText.Amount("--price", "Price per unit (say 0.04 per image).");
        var setUnit = new Command("set-unit", "Add a new per-unit price version: per image, audio second, speech character or rerank search unit (issue 22).")
        {
            model, currency, unit, variant, unitPrice, effective, data,
        };
        setUnit.SetAction(parse =>
        {
            if (!PriceUnitNames.TryParse(parse.GetValue(unit), out var parsedUnit))
            {
                return BillingCliText.Fail(parse, "--unit is one of " + string.Join(", ", PriceUnitNames.All) + ".");
            }

            if (BillingCliText.Micros(parse, unitPrice) is not { } micros)
            {
                return BillingCliText.UsageError;
            }

            var (price, problem) = CommonOptions.OpenData(parse, data).Billing.UnitPrices.Set(
                parse.GetValue(model)!, parse.GetValue(currency)!, parsedUnit.Value, parse.GetValue(variant), micros, parse.GetValue(effective));
            if (price is null)
            {
                return BillingCliText.Fail(parse, problem!);
            }

            CommonOptions.Out(parse).WriteLine($"Unit price version {price.Version} for {price.Model} in {price.Currency}: {Money.Format(price.MicrosPerUnit)} per {PriceUnitNames.Name(price.Unit)} ({price.Variant}).");
            return 0;
        });

        var units = new Command("units", "List every per-unit price version, newest first.") { data };
        units.SetAction(parse =>
        {
            var rows = CommonOptions.OpenData(parse, data).Billing.UnitPrices.List().Select(p => new[]
            {
                BillingCliText.Num(p.Version), p.Model, p.Currency, PriceUnitNames.Name(p.Unit), p.Variant, Money.Format(p.MicrosPerUnit), p.Source,
                p.EffectiveAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture),
            });
            TextTable.Write(CommonOptions.Out(parse), ["VERSION", "MODEL", "CURRENCY", "UNIT", "VARIANT", "PRICE", "SOURCE", "EFFECTIVE"], rows);
            return 0;
        });

        return new Command("prices", "Manage model prices (per million tokens or per unit, versioned).") { set, list, sync, setUnit, units };
    }
}
