using System.CommandLine;
using Warden.Server.Residency;

namespace Warden.Server.Cli;

/// <summary>
/// <c>warden transfers report [--since …] [--csv]</c>: the transfer register's totals by destination, class and legal
/// basis (issue 20), what a personal-information impact assessment asks for. Counts only: the register holds no values.
/// </summary>
internal static class TransfersCommand
{
    public static Command Build()
    {
        var data = CommonOptions.Data();
        var since = new Option<DateTimeOffset?>("--since") { Description = "Only transfers on or after this time (e.g. 2026-11-01)." };
        var csv = new Option<bool>("--csv") { Description = "Print CSV instead of a table." };
        var report = new Command("report", "Requests that left their home jurisdiction: totals by destination, action, legal basis and class.") { since, csv, data };
        report.SetAction(parse =>
        {
            var rows = CommonOptions.OpenData(parse, data).Transfers.Report(parse.GetValue(since));
            var output = CommonOptions.Out(parse);
            if (parse.GetValue(csv))
            {
                output.Write(TransferRegister.Csv(rows));
            }
            else if (rows.Count == 0)
            {
                output.WriteLine("No request has left its home jurisdiction (or no residency rule is set: see warden protection).");
            }
            else
            {
                TextTable.Write(output, TransferRegister.Headers.Select(h => h.ToUpperInvariant()).ToList(), rows.Select(TransferRegister.Cells));
            }

            return 0;
        });
        return new Command("transfers", "The register of requests that left their home jurisdiction.") { report };
    }
}
