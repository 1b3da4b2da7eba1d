using System.CommandLine;
using Warden.Server.Billing;

namespace Warden.Server.Cli;

/// <summary><c>warden usage report --by tenant|key|model|day [--csv]</c>: settled usage and cost.</summary>
internal static class UsageReportCommand
{
    /// <summary>Adds <c>report</c> under the existing <c>usage</c> command and returns it.</summary>
    public static Command AddTo(Command usage)
    {
        usage.Add(Build());
        return usage;
    }

    public static Command Build()
    {
        var data = CommonOptions.Data();
        var by = new Option<string>("--by") { Description = "Group by tenant, key, model or day.", DefaultValueFactory = _ => "tenant" };
        by.AcceptOnlyFromAmong(UsageReport.Groupings);
        var since = new Option<DateTimeOffset?>("--since") { Description = "Only settlements on or after this time (e.g. 2026-11-01)." };
        var csv = new Option<bool>("--csv") { Description = "Print CSV instead of a table." };
        var report = new Command("report", "Settled usage and cost (from the ledger's settlements).") { by, since, csv, data };
        report.SetAction(parse =>
        {
            var rows = CommonOptions.OpenData(parse, data).Billing.Reports.Build(parse.GetValue(by)!, parse.GetValue(since))!;
            var output = CommonOptions.Out(parse);
            if (parse.GetValue(csv))
            {
                output.Write(UsageReport.Csv(rows));
            }
            else
            {
                TextTable.Write(output, UsageReport.Headers.Select(h => h.ToUpperInvariant()).ToList(), rows.Select(UsageReport.Cells));
            }

            return 0;
        });
        return report;
    }
}
