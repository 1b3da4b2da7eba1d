using System.Globalization;
using static Warden.Server.Audit.Reports.HtmlText;

namespace Warden.Server.Audit.Reports;

/// <summary>
/// The single-file HTML report of an audit run (<c>warden audit --html FILE</c>): a summary table, then per check its
/// verdict, statistics, findings, charts (inline SVG, with their data in a table) and what it tests and cannot detect.
/// Self-contained (inline CSS, no script, no external asset) so it can be mailed to a provider or a regulator, and
/// written as well-formed XHTML-compatible markup. Everything that came from the endpoint is escaped.
/// </summary>
internal static class AuditHtmlReport
{
    private const string Style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;color:#1a1a1a;line-height:1.45}
        h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2rem;border-bottom:1px solid #ccc}h3{font-size:1.05rem}
        table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}
        th{background:#f0f0f0}td.num{text-align:right;font-variant-numeric:tabular-nums}
        .verdict{font-weight:bold;padding:0 .4rem;border-radius:3px}
        .pass{background:#d8f0dd;color:#0b5a1c}.fail{background:#f8d7d7;color:#8a1010}
        .inconclusive{background:#fff1c2;color:#6b4e00}.skipped{background:#e6e6e6;color:#444}
        dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem}dl.meta dt{font-weight:bold}dl.meta dd{margin:0}
        svg.chart{width:100%;max-width:40rem;height:auto;font-size:11px;background:#fff}
        svg .plot{fill:none;stroke:#999}svg .grid{stroke:#e3e3e3}svg .axis{stroke:#666}
        svg .reference{stroke:#222;stroke-width:1.5;stroke-dasharray:5 4}svg .tick,svg .legend,svg .axis-label{fill:#333;stroke:none}
        figure{margin:1rem 0}figcaption{font-size:.9rem;color:#444}
        code{font-family:ui-monospace,Menlo,Consolas,monospace}
        """;

    public static void Write(AuditReport report, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        string target = AuditJsonReport.PublicUrl(report.TargetUrl);
        output.WriteLine("<!DOCTYPE html>");
        output.WriteLine("<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">");
        output.WriteLine("<head>");
        output.WriteLine("<meta charset=\"utf-8\"/>");
        output.WriteLine("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>");
        output.WriteLine($"<title>warden audit of {Escape(report.TargetModel)} at {Escape(target)}</title>");
        output.WriteLine($"<style>{Style}</style>");
        output.WriteLine("</head>");
        output.WriteLine("<body>");
        output.WriteLine("<header>");
        output.WriteLine("<h1>warden audit report</h1>");
        bool failed = report.ExitCode != 0;
        output.WriteLine($"<p><span class=\"verdict {(failed ? "fail" : "pass")}\">{(failed ? "FOUND" : "NOTHING FOUND")}</span> "
            + (failed ? "At least one check found what it looks for at the chosen significance." : "No check found anything at the chosen significance.")
            + "</p>");
        WriteRun(report, target, output);
        output.WriteLine("</header>");
        output.WriteLine("<main>");
        WriteSummary(report, output);
        int chartNumber = 0;
        foreach (var check in report.Checks)
        {
            WriteCheck(check, output, ref chartNumber);
        }

        output.WriteLine("</main>");
        output.WriteLine("<footer>");
        output.WriteLine("<p>Each check decides from a statistic with a stated error rate: a check's false-alarm rate on an honest endpoint is at most "
            + $"alpha = {Escape(Number(report.Settings.Alpha))}. \"Nothing found\" is not proof of honesty: see what each check cannot detect. "
            + "Made by <code>warden audit</code>; the JSON document of the same run holds every number shown here.</p>");
        output.WriteLine("</footer>");
        output.WriteLine("</body>");
        output.WriteLine("</html>");
    }

    private static void WriteRun(AuditReport report, string target, TextWriter output)
    {
        var settings = report.Settings;
        output.WriteLine("<dl class=\"meta\">");
        Row(output, "Target", $"{target} — model {report.TargetModel}, protocol {AuditJsonReport.ProtocolName(report.Protocol)}");
        Row(output, "Reference", report.ReferenceUrl is null ? "none" : $"{AuditJsonReport.PublicUrl(report.ReferenceUrl)} — model {report.ReferenceModel ?? report.TargetModel}");
        Row(output, "Run", $"{report.StartedAt.ToString("u", CultureInfo.InvariantCulture)} to {report.FinishedAt.ToString("u", CultureInfo.InvariantCulture)}");
        Row(output, "Significance", $"alpha = {Number(settings.Alpha)} per check");
        Row(output, "Budget", $"at most {settings.MaxRequests.ToString(CultureInfo.InvariantCulture)} requests; spent {report.Checks.Sum(c => c.Requests).ToString(CultureInfo.InvariantCulture)} requests, {report.Checks.Sum(c => c.Tokens).ToString(CultureInfo.InvariantCulture)} tokens");
        Row(output, "Seed", settings.Seed.ToString(CultureInfo.InvariantCulture));
        if (settings.ExpectUpstreamHosts.Count > 0)
        {
            Row(output, "Expected upstream hosts", string.Join(", ", settings.ExpectUpstreamHosts));
        }

        if (settings.ContextWindow is { } window)
        {
            Row(output, "Context window probed", window.ToString(CultureInfo.InvariantCulture) + " tokens");
        }

        output.WriteLine("</dl>");
    }

    private static void Row(TextWriter output, string name, string value) =>
        output.WriteLine($"<dt>{Escape(name)}</dt><dd>{Escape(value)}</dd>");

    private static void WriteSummary(AuditReport report, TextWriter output)
    {
        output.WriteLine("<section aria-labelledby=\"summary\">");
        output.WriteLine("<h2 id=\"summary\">Summary</h2>");
        output.WriteLine("<table>");
        output.WriteLine("<caption>One row per check: its verdict, effect size, p-value or interval, and what it spent.</caption>");
        output.WriteLine("<thead><tr><th scope=\"col\">Check</th><th scope=\"col\">Verdict</th><th scope=\"col\">Effect</th><th scope=\"col\">p-value</th>"
            + "<th scope=\"col\">Interval</th><th scope=\"col\">Requests</th><th scope=\"col\">Tokens</th></tr></thead>");
        output.WriteLine("<tbody>");
        foreach (var check in report.Checks)
        {
            string verdict = AuditJsonReport.VerdictName(check.Verdict);
            string effect = check.Effect is { } e ? $"{check.EffectName ?? "effect"} = {Number(e)}" : "";
            string interval = check.CiLow is { } lo && check.CiHigh is { } hi ? $"[{Number(lo)}, {Number(hi)}]" : "";
            output.WriteLine($"<tr><th scope=\"row\"><a href=\"#check-{Anchor(check.Id)}\">{Escape(check.Title)}</a></th>"
                + $"<td><span class=\"verdict {verdict}\">{verdict.ToUpperInvariant()}</span></td>"
                + $"<td>{Escape(effect)}</td><td class=\"num\">{(check.PValue is { } p ? Escape(Number(p)) : "")}</td><td class=\"num\">{Escape(interval)}</td>"
                + $"<td class=\"num\">{check.Requests.ToString(CultureInfo.InvariantCulture)}</td><td class=\"num\">{check.Tokens.ToString(CultureInfo.InvariantCulture)}</td></tr>");
        }

        output.WriteLine("</tbody>");
        output.WriteLine("</table>");
        output.WriteLine("</section>");
    }

    private static void WriteCheck(AuditCheckResult check, TextWriter output, ref int chartNumber)
    {
        string anchor = Anchor(check.Id);
        string verdict = AuditJsonReport.VerdictName(check.Verdict);
        output.WriteLine($"<section id=\"check-{anchor}\" aria-labelledby=\"check-{anchor}-h\">");
        output.WriteLine($"<h2 id=\"check-{anchor}-h\">{Escape(check.Title)} <span class=\"verdict {verdict}\">{verdict.ToUpperInvariant()}</span></h2>");
        output.WriteLine($"<p>{Escape(check.Summary)}</p>");
        output.WriteLine("<dl class=\"meta\">");
        Row(output, "Check id", check.Id);
        if (check.PValue is { } p)
        {
            Row(output, "p-value", Number(p));
        }

        if (check.Effect is { } effect)
        {
            Row(output, check.EffectName ?? "Effect", Number(effect));
        }

        if (check.CiLow is { } low && check.CiHigh is { } high)
        {
            Row(output, "Confidence interval", $"[{Number(low)}, {Number(high)}]");
        }

        Row(output, "Spent", $"{check.Requests.ToString(CultureInfo.InvariantCulture)} requests, {check.Tokens.ToString(CultureInfo.InvariantCulture)} tokens");
        output.WriteLine("</dl>");

        output.WriteLine("<h3>Findings</h3>");
        if (check.Findings.Count == 0)
        {
            output.WriteLine("<p>None.</p>");
        }
        else
        {
            output.WriteLine("<ul>");
            foreach (string finding in check.Findings)
            {
                output.WriteLine($"<li>{Escape(finding)}</li>");
            }

            output.WriteLine("</ul>");
        }

        if (check.Charts.Count > 0)
        {
            output.WriteLine("<h3>Charts</h3>");
            foreach (var chart in check.Charts)
            {
                string id = "chart-" + (++chartNumber).ToString(CultureInfo.InvariantCulture);
                output.WriteLine("<figure>");
                AuditSvgChart.Write(chart, id, output);
                output.WriteLine($"<figcaption>{Escape(chart.Title)}</figcaption>");
                WriteChartData(chart, output);
                output.WriteLine("</figure>");
            }
        }

        var (tests, cannot) = AuditCheckDescriptions.For(check.Id);
        output.WriteLine("<h3>What this check tests</h3>");
        output.WriteLine($"<p>{Escape(tests)}</p>");
        output.WriteLine("<h3>What it cannot detect</h3>");
        output.WriteLine($"<p>{Escape(cannot)}</p>");
        output.WriteLine("</section>");
    }

    // The numbers behind a chart, for readers who cannot see it and for anyone who wants the exact values.
    private static void WriteChartData(AuditChart chart, TextWriter output)
    {
        bool intervals = chart.Series.Any(s => s.Points.Any(p => p.Low is not null || p.High is not null));
        output.WriteLine("<details><summary>Data</summary>");
        output.WriteLine("<table>");
        output.WriteLine($"<thead><tr><th scope=\"col\">Series</th><th scope=\"col\">{Escape(chart.XLabel)}</th><th scope=\"col\">{Escape(chart.YLabel)}</th>"
            + (intervals ? "<th scope=\"col\">Low</th><th scope=\"col\">High</th>" : "") + "</tr></thead>");
        output.WriteLine("<tbody>");
        foreach (var series in chart.Series)
        {
            foreach (var point in series.Points)
            {
                output.WriteLine($"<tr><td>{Escape(series.Name)}</td><td>{Escape(point.Label ?? Number(point.X))}</td><td class=\"num\">{Escape(Number(point.Y))}</td>"
                    + (intervals ? $"<td class=\"num\">{(point.Low is { } l ? Escape(Number(l)) : "")}</td><td class=\"num\">{(point.High is { } h ? Escape(Number(h)) : "")}</td>" : "")
                    + "</tr>");
            }
        }

        output.WriteLine("</tbody>");
        output.WriteLine("</table>");
        output.WriteLine("</details>");
    }

    // Ids come from the runner's fixed list, but keep the anchor to safe characters whatever a check calls itself.
    private static string Anchor(string id) => new([.. id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-')]);
}
