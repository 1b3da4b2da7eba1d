using System.Globalization;
using Warden.Server.Audit;

namespace Warden.Server.Cli;

/// <summary>The terminal summary of an audit: one line per check (verdict, effect size, p-value or interval, requests
/// spent, what was found), then its findings, then the result.</summary>
internal static class AuditSummary
{
    private const int FindingsShown = 5;

    public static string VerdictWord(AuditVerdict verdict) => verdict switch
    {
        AuditVerdict.Pass => "PASS",
        AuditVerdict.Fail => "FAIL",
        AuditVerdict.Inconclusive => "INCONCLUSIVE",
        _ => "SKIPPED",
    };

    public static void Write(TextWriter output, AuditReport report)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(report);
        int requests = 0;
        long tokens = 0;
        foreach (var check in report.Checks)
        {
            requests += check.Requests;
            tokens += check.Tokens;
            output.WriteLine(Line(check));
            foreach (string finding in check.Findings.Take(FindingsShown))
            {
                output.WriteLine("    - " + finding);
            }

            if (check.Findings.Count > FindingsShown)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    … and {check.Findings.Count - FindingsShown} more (see the JSON or HTML report)"));
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{requests} requests, {tokens} tokens reported, alpha {report.Settings.Alpha} per check, seed {report.Settings.Seed}"));
        output.WriteLine(report.ExitCode == 0 ? "RESULT: PASS (nothing found at the chosen significance)" : "RESULT: FAIL (a check found something)");
    }

    public static string Line(AuditCheckResult check)
    {
        ArgumentNullException.ThrowIfNull(check);
        var parts = new List<string> { $"{VerdictWord(check.Verdict),-12}", $"{check.Id,-12}" };
        if (check.Effect is { } effect)
        {
            parts.Add($"{check.EffectName ?? "effect"} {Number(effect)}");
        }

        if (check.CiLow is { } low && check.CiHigh is { } high)
        {
            parts.Add($"CI [{Number(low)}, {Number(high)}]");
        }

        if (check.PValue is { } p)
        {
            parts.Add("p " + (p < 0.0001 ? "< 0.0001" : Number(p)));
        }

        parts.Add(string.Create(CultureInfo.InvariantCulture, $"{check.Requests} requests"));
        return string.Join("  ", parts) + "  " + check.Summary;
    }

    private static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
