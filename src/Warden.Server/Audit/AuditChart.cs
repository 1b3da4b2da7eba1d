namespace Warden.Server.Audit;

/// <summary>How a report draws a chart.</summary>
internal enum AuditChartKind
{
    /// <summary>Histograms of the series side by side (answer-length or statistic distributions, target against reference).</summary>
    Histogram,

    /// <summary>One point estimate per series with its interval (<see cref="AuditPoint.Low"/>, <see cref="AuditPoint.High"/>), against a reference line at <see cref="AuditChart.ReferenceLine"/>.</summary>
    Interval,

    /// <summary>Lines through the points (recall by context length).</summary>
    Line,
}

/// <summary>A point of a chart series; Low and High bound an interval where the chart kind has one.</summary>
internal readonly record struct AuditPoint(double X, double Y, double? Low = null, double? High = null, string? Label = null);

internal sealed record AuditSeries(string Name, IReadOnlyList<AuditPoint> Points);

/// <summary>The data of one chart in the reports; checks fill it, the HTML report draws it as inline SVG.</summary>
internal sealed record AuditChart(string Title, AuditChartKind Kind, string XLabel, string YLabel, IReadOnlyList<AuditSeries> Series)
{
    /// <summary>A horizontal line to draw for comparison (1.0 for an honest inflation ratio), or null.</summary>
    public double? ReferenceLine { get; init; }
}
