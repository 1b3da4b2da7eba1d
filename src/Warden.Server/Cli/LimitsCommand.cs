using System.CommandLine;
using Warden.Server.Billing;

namespace Warden.Server.Cli;

/// <summary><c>warden limits rate|budget|list</c>: rate limits and spending budgets per tenant or key.</summary>
internal static class LimitsCommand
{
    public static Command Build()
    {
        var data = CommonOptions.Data();
        var tenant = new Option<string?>("--tenant") { Description = "The tenant id or name." };
        var key = new Option<string?>("--key") { Description = "The key id." };

        var rpm = new Option<long?>("--rpm") { Description = "Requests per minute." };
        var tpm = new Option<long?>("--tpm") { Description = "Tokens per minute (estimated input plus max output, corrected after the call)." };
        var concurrent = new Option<int?>("--concurrent") { Description = "Requests at once." };
        var rate = new Command("rate", "Set the rate limits of a tenant or key (a limit left out is not enforced).") { tenant, key, rpm, tpm, concurrent, data };
        rate.SetAction(parse =>
        {
            var billing = CommonOptions.OpenData(parse, data).Billing;
            if (Subject(parse, billing, tenant, key) is not { } subject)
            {
                return 1;
            }

            string? problem = billing.RateLimits.Set(new RateLimits(subject.Scope, subject.Id, parse.GetValue(rpm), parse.GetValue(tpm), parse.GetValue(concurrent)));
            return problem is null ? Done(parse) : BillingCliText.Fail(parse, problem);
        });

        var period = new Option<string>("--period") { Description = "daily, monthly or total.", Required = true };
        var limit = BillingCliText.Amount("--limit", "The most that may be spent in the period.");
        var budget = new Command("budget", "Set a spending budget of a tenant or key for a period.") { tenant, key, period, limit, data };
        budget.SetAction(parse =>
        {
            if (Budget.ParsePeriod(parse.GetValue(period)) is not { } p)
            {
                return BillingCliText.Fail(parse, "--period must be daily, monthly or total.");
            }

            if (BillingCliText.Micros(parse, limit) is not { } micros)
            {
                return BillingCliText.UsageError;
            }

            var billing = CommonOptions.OpenData(parse, data).Billing;
            if (Subject(parse, billing, tenant, key) is not { } subject)
            {
                return 1;
            }

            string? problem = billing.Budgets.Set(subject.Scope, subject.Id, p, micros);
            return problem is null ? Done(parse) : BillingCliText.Fail(parse, problem);
        });

        var list = new Command("list", "List rate limits and budgets.") { data };
        list.SetAction(parse =>
        {
            var billing = CommonOptions.OpenData(parse, data).Billing;
            var output = CommonOptions.Out(parse);
            TextTable.Write(output, ["SCOPE", "ID", "RPM", "TPM", "CONCURRENT"], billing.RateLimits.List().Select(l => new[]
            {
                l.Scope, l.SubjectId, l.RequestsPerMinute?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                l.TokensPerMinute?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                l.Concurrent?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
            }));
            output.WriteLine();
            TextTable.Write(output, ["SCOPE", "ID", "PERIOD", "LIMIT"], billing.Budgets.List().Select(b => new[]
            {
                b.Scope, b.SubjectId, Budget.PeriodName(b.Period), Money.Format(b.LimitMicros),
            }));
            return 0;
        });

        return new Command("limits", "Manage rate limits and budgets.") { rate, budget, list };
    }

    private static int Done(ParseResult parse)
    {
        CommonOptions.Out(parse).WriteLine("Saved.");
        return 0;
    }

    private static (string Scope, string Id)? Subject(ParseResult parse, BillingServices billing, Option<string?> tenant, Option<string?> key)
    {
        string? tenantValue = parse.GetValue(tenant), keyValue = parse.GetValue(key);
        if ((tenantValue is null) == (keyValue is null))
        {
            BillingCliText.Fail(parse, "Give exactly one of --tenant or --key.");
            return null;
        }

        if (keyValue is not null)
        {
            return ("key", keyValue);
        }

        if (billing.Tenants.Find(tenantValue!) is not { } found)
        {
            BillingCliText.Fail(parse, $"No tenant with id or name '{tenantValue}'.");
            return null;
        }

        return ("tenant", found.Id);
    }
}
