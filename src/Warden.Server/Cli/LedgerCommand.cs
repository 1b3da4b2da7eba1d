using System.CommandLine;

namespace Warden.Server.Cli;

/// <summary><c>warden ledger check</c>: proves the ledger consistent; exit code 1 with every problem listed if not.</summary>
internal static class LedgerCommand
{
    public static Command Build()
    {
        var data = CommonOptions.Data();
        var check = new Command("check", "Recompute every balance from the entries and check every transaction, reservation and settlement.") { data };
        check.SetAction(parse =>
        {
            var problems = CommonOptions.OpenData(parse, data).Billing.Check.Run();
            if (problems.Count == 0)
            {
                CommonOptions.Out(parse).WriteLine("Ledger OK: every transaction balances and every balance equals the sum of its entries.");
                return 0;
            }

            var error = CommonOptions.Error(parse);
            error.WriteLine($"Ledger check FAILED: {problems.Count} problem(s).");
            foreach (string problem in problems)
            {
                error.WriteLine("- " + problem);
            }

            return 1;
        });

        var olderThan = new Option<TimeSpan>("--older-than")
        {
            Description = "Release holds older than this (e.g. 01:00:00 for an hour; default one hour).",
            DefaultValueFactory = _ => TimeSpan.FromHours(1),
        };
        var release = new Command("release-stale", "Release credit held by requests that never settled (after a crash), unbilled.") { olderThan, data };
        release.SetAction(parse =>
        {
            var folder = CommonOptions.OpenData(parse, data);
            int count = folder.Billing.Ledger.ReleaseStale(folder.Time.GetUtcNow() - parse.GetValue(olderThan));
            CommonOptions.Out(parse).WriteLine($"Released {count} stale hold(s).");
            return 0;
        });

        return new Command("ledger", "Inspect the credit ledger.") { check, release };
    }
}
