using System.CommandLine;
using Warden.Server.Billing;

namespace Warden.Server.Cli;

/// <summary><c>warden credits topup|adjust|redeem|balance</c>: every way an operator or a user adds credit.</summary>
internal static class CreditsCommand
{
    public static Command Build()
    {
        var data = CommonOptions.Data();
        var tenant = new Option<string>("--tenant") { Description = "The tenant id or name.", Required = true };

        var key = new Option<string?>("--key") { Description = "Credit the key's own account instead of the tenant's (created on first top-up)." };
        var amount = BillingCliText.Amount("--amount", "The amount to add.");
        var note = new Option<string?>("--note") { Description = "A reference recorded with the entry (no secrets)." };
        var topup = new Command("topup", "Add credit to a tenant (or one of its keys).") { tenant, key, amount, note, data };
        topup.SetAction(parse =>
        {
            if (BillingCliText.Micros(parse, amount) is not { } micros)
            {
                return BillingCliText.UsageError;
            }

            var billing = CommonOptions.OpenData(parse, data).Billing;
            if (billing.Tenants.Find(parse.GetValue(tenant)!) is not { } found)
            {
                return BillingCliText.Fail(parse, $"No tenant with id or name '{parse.GetValue(tenant)}'.");
            }

            var (_, problem) = billing.Ledger.TopUp(found, parse.GetValue(key), micros, "admin:cli-topup" + (parse.GetValue(note) is { } n ? ":" + n : ""));
            if (problem is not null)
            {
                return BillingCliText.Fail(parse, problem);
            }

            string account = parse.GetValue(key) is { } k ? LedgerAccounts.Key(k) : found.AccountId;
            CommonOptions.Out(parse).WriteLine($"Balance of {account}: {Money.Format(billing.Ledger.Balance(account) ?? 0)} {found.Currency}");
            return 0;
        });

        var delta = BillingCliText.Amount("--amount", "The correction, negative to take credit away.");
        var reason = new Option<string>("--reason") { Description = "Why (recorded with the entry).", Required = true };
        var adjust = new Command("adjust", "Correct a tenant's balance up or down (never below zero).") { tenant, delta, reason, data };
        adjust.SetAction(parse =>
        {
            if (BillingCliText.Micros(parse, delta) is not { } micros)
            {
                return BillingCliText.UsageError;
            }

            var billing = CommonOptions.OpenData(parse, data).Billing;
            if (billing.Tenants.Find(parse.GetValue(tenant)!) is not { } found)
            {
                return BillingCliText.Fail(parse, $"No tenant with id or name '{parse.GetValue(tenant)}'.");
            }

            var (_, problem) = billing.Ledger.AdminAdjust(found.AccountId, micros, "admin:cli-adjust:" + parse.GetValue(reason));
            if (problem is not null)
            {
                return BillingCliText.Fail(parse, problem);
            }

            CommonOptions.Out(parse).WriteLine($"Balance of {found.AccountId}: {Money.Format(billing.Ledger.Balance(found.AccountId) ?? 0)} {found.Currency}");
            return 0;
        });

        // A code is a bearer secret worth money: never on the command line, where shell history and the process list
        // keep it (issue 18). --code stays only to say so.
        var code = new Option<string?>("--code") { Description = "Refused: pass the code with --code-env or --code-stdin.", Hidden = true };
        var codeEnv = new Option<string?>("--code-env") { Description = "Name of an environment variable holding the redemption code (wdn_code_…)." };
        var codeStdin = new Option<bool>("--code-stdin") { Description = "Read the redemption code from standard input." };
        var redeem = new Command("redeem", "Redeem a code into a tenant's account (each code works once).") { code, codeEnv, codeStdin, tenant, data };
        redeem.SetAction(parse =>
        {
            var error = CommonOptions.Error(parse);
            string? secret;
            if (parse.GetValue(code) is not null)
            {
                error.WriteLine("--code is refused: a code on the command line stays in shell history and the process list. " +
                    "Pass it with --code-env VAR (an environment variable holding it) or --code-stdin.");
                return 2;
            }
            else if (parse.GetValue(codeEnv) is { } variable)
            {
                secret = Environment.GetEnvironmentVariable(variable);
                if (string.IsNullOrWhiteSpace(secret))
                {
                    error.WriteLine($"The environment variable {variable} is empty.");
                    return 2;
                }
            }
            else if (parse.GetValue(codeStdin))
            {
                secret = System.Console.In.ReadLine();
                if (string.IsNullOrWhiteSpace(secret))
                {
                    error.WriteLine("No code on standard input.");
                    return 2;
                }
            }
            else
            {
                error.WriteLine("Give the code with --code-env VAR (an environment variable holding it) or --code-stdin.");
                return 2;
            }

            var billing = CommonOptions.OpenData(parse, data).Billing;
            if (billing.Tenants.Find(parse.GetValue(tenant)!) is not { } found)
            {
                return BillingCliText.Fail(parse, $"No tenant with id or name '{parse.GetValue(tenant)}'.");
            }

            var result = billing.Codes.Redeem(secret.Trim(), found);
            if (!result.Redeemed)
            {
                return BillingCliText.Fail(parse, result.Problem!);
            }

            CommonOptions.Out(parse).WriteLine($"Redeemed {Money.Format(result.AmountMicros)} {found.Currency}; balance {Money.Format(billing.Ledger.Balance(found.AccountId) ?? 0)}.");
            return 0;
        });

        var balance = new Command("balance", "Show a tenant's available balance (credit held for running requests excluded).") { tenant, data };
        balance.SetAction(parse =>
        {
            var billing = CommonOptions.OpenData(parse, data).Billing;
            if (billing.Tenants.Find(parse.GetValue(tenant)!) is not { } found)
            {
                return BillingCliText.Fail(parse, $"No tenant with id or name '{parse.GetValue(tenant)}'.");
            }

            CommonOptions.Out(parse).WriteLine($"{Money.Format(billing.Ledger.Balance(found.AccountId) ?? 0)} {found.Currency}");
            return 0;
        });

        return new Command("credits", "Add and inspect credit.") { topup, adjust, redeem, balance };
    }
}
