using System.CommandLine;
using Warden.Server.Billing;

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

        return new Command("prices", "Manage model prices (per million tokens, versioned).") { set, list };
    }
}
