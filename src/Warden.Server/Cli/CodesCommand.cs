using System.CommandLine;
using Warden.Server.Billing;

namespace Warden.Server.Cli;

/// <summary><c>warden codes create</c>: a batch of prepaid redemption codes, printed once.</summary>
internal static class CodesCommand
{
    public static Command Build()
    {
        var data = CommonOptions.Data();
        var count = new Option<int>("--count") { Description = "How many codes.", Required = true };
        var amount = BillingCliText.Amount("--amount", "What each code is worth.");
        var currency = new Option<string>("--currency") { Description = "The currency (default USD).", DefaultValueFactory = _ => Currencies.Default };
        var create = new Command("create", "Create a batch of codes and print them once (only their hashes are stored).") { count, amount, currency, data };
        create.SetAction(parse =>
        {
            if (BillingCliText.Micros(parse, amount) is not { } micros)
            {
                return BillingCliText.UsageError;
            }

            var (batch, codes, problem) = CommonOptions.OpenData(parse, data).Billing.Codes.CreateBatch(parse.GetValue(count), micros, parse.GetValue(currency)!);
            if (batch is null)
            {
                return BillingCliText.Fail(parse, problem!);
            }

            var output = CommonOptions.Out(parse);
            output.WriteLine($"Batch: {batch}");
            foreach (string code in codes)
            {
                output.WriteLine(code);
            }

            output.WriteLine("Shown once and stored only as hashes: keep them now.");
            return 0;
        });

        return new Command("codes", "Manage redemption codes.") { create };
    }
}
