using System.CommandLine;
using System.Globalization;

namespace Warden.Server.Cli;

/// <summary><c>warden usage</c>: requests and tokens per day, key and model.</summary>
internal static class UsageCommand
{
    public static Command Build()
    {
        var data = CommonOptions.Data();
        var since = new Option<DateTimeOffset?>("--since") { Description = "Only usage on or after this date (e.g. 2026-11-01)." };
        var command = new Command("usage", "Show usage per day, key and model (tokens as the upstream reported them; '-' = not reported).") { since, data };
        command.SetAction(parse =>
        {
            var rows = CommonOptions.OpenData(parse, data).Usage.Summarise(parse.GetValue(since)).Select(r => new[]
            {
                r.Day, r.Key, r.Model, Num(r.Requests), Num(r.Succeeded), Num(r.InputTokens), Num(r.CachedTokens),
                Num(r.OutputTokens), Num(r.ReasoningTokens), Num(r.SucceededWithoutReportedUsage),
            });
            TextTable.Write(CommonOptions.Out(parse),
                ["DAY", "KEY", "MODEL", "REQUESTS", "OK", "INPUT", "CACHED", "OUTPUT", "REASONING", "OK_NO_USAGE"], rows);
            return 0;
        });
        return command;
    }

    private static string Num(long? value) => value?.ToString("N0", CultureInfo.InvariantCulture) ?? "-";
}
