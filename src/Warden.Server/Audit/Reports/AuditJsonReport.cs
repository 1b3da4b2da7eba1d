using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warden.Server.Audit.Reports;

/// <summary>Writes an <see cref="AuditReport"/> as the JSON document of <see cref="AuditJsonDocument"/>, and reads it back.</summary>
internal static class AuditJsonReport
{
    // Relaxed escaping keeps non-ASCII model names readable; the document is never embedded in HTML.
    private static readonly AuditJsonContext Context = new(new JsonSerializerOptions(AuditJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static void Write(AuditReport report, Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        JsonSerializer.Serialize(output, ToDocument(report), Context.AuditJsonDocument);
    }

    public static void Write(AuditReport report, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(JsonSerializer.Serialize(ToDocument(report), Context.AuditJsonDocument));
        output.WriteLine();
    }

    /// <summary>Reads a document written by <see cref="Write(AuditReport, Stream)"/>; null when it is not one.</summary>
    public static AuditJsonDocument? Read(Stream input) => JsonSerializer.Deserialize(input, Context.AuditJsonDocument);

    public static AuditJsonDocument ToDocument(AuditReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new AuditJsonDocument
        {
            StartedAt = report.StartedAt,
            FinishedAt = report.FinishedAt,
            ExitCode = report.ExitCode,
            Target = new AuditJsonEndpoint(PublicUrl(report.TargetUrl), report.TargetModel, ProtocolName(report.Protocol)),
            Reference = report.ReferenceUrl is null ? null
                : new AuditJsonEndpoint(PublicUrl(report.ReferenceUrl), report.ReferenceModel ?? report.TargetModel, null),
            Settings = new AuditJsonSettings(report.Settings.Alpha, report.Settings.MaxRequests, report.Settings.Seed,
                report.Settings.ExpectUpstreamHosts, report.Settings.ContextWindow),
            Checks = [.. report.Checks.Select(ToCheck)],
        };
    }

    /// <summary>The name <c>--protocol</c> takes for a protocol.</summary>
    public static string ProtocolName(AuditProtocol protocol) => protocol switch
    {
        AuditProtocol.OpenAIChat => "openai",
        AuditProtocol.Responses => "responses",
        AuditProtocol.Anthropic => "anthropic",
        AuditProtocol.Gemini => "gemini",
        _ => protocol.ToString().ToLowerInvariant(),
    };

    public static string VerdictName(AuditVerdict verdict) => verdict.ToString().ToLowerInvariant();

    /// <summary>
    /// The URL without user info, query or fragment: a user may have put a key there (Gemini's <c>?key=</c>, or
    /// <c>https://user:secret@host</c>), and a report is meant to be sent to others.
    /// </summary>
    public static string PublicUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri)
        {
            return url.OriginalString.Split('?', '#')[0];
        }

        return new UriBuilder(url) { UserName = "", Password = "", Query = "", Fragment = "" }.Uri.ToString();
    }

    private static AuditJsonCheck ToCheck(AuditCheckResult check) => new()
    {
        Id = check.Id,
        Title = check.Title,
        Verdict = VerdictName(check.Verdict),
        Summary = check.Summary,
        PValue = Finite(check.PValue),
        EffectName = check.EffectName,
        Effect = Finite(check.Effect),
        CiLow = Finite(check.CiLow),
        CiHigh = Finite(check.CiHigh),
        Requests = check.Requests,
        Tokens = check.Tokens,
        Findings = check.Findings,
        Charts = [.. check.Charts.Select(ToChart)],
    };

    private static AuditJsonChart ToChart(AuditChart chart) => new()
    {
        Title = chart.Title,
        Kind = chart.Kind.ToString().ToLowerInvariant(),
        XLabel = chart.XLabel,
        YLabel = chart.YLabel,
        ReferenceLine = Finite(chart.ReferenceLine),
        Series = [.. chart.Series.Select(s => new AuditJsonSeries(s.Name, [.. s.Points.Select(p =>
            new AuditJsonPoint(Finite(p.X), Finite(p.Y), Finite(p.Low), Finite(p.High), p.Label))]))],
    };

    // JSON has no NaN or infinity; a statistic that came out non-finite is reported as absent.
    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
