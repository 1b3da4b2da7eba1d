using static Warden.Server.Audit.Reports.HtmlText;

namespace Warden.Server.Audit.Reports;

/// <summary>
/// Draws one <see cref="AuditChart"/> as inline SVG (no script, no external asset): histograms as grouped bars (the series
/// side by side per bin), intervals as a point with its interval per series against the reference line, lines as
/// polylines with their points. Colours come with distinct dash patterns and a legend, so the series can be told apart
/// without colour; the title and a text description are in the SVG's title and desc for screen readers.
/// </summary>
internal static class AuditSvgChart
{
    private const int Width = 640;
    private const int Height = 300;
    private const int Left = 64;
    private const int Right = 16;
    private const int Top = 40;
    private const int Bottom = 56;
    private const int PlotWidth = Width - Left - Right;
    private const int PlotHeight = Height - Top - Bottom;

    private static readonly string[] Colors = ["#1f5fa8", "#c4580a", "#5b4b9a", "#1b7f5f", "#b0246a", "#5a6e12"];
    private static readonly string[] Dashes = ["", "6 3", "2 3", "8 3 2 3", "1 2", "10 4"];

    public static void Write(AuditChart chart, string id, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(chart);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\">");
        output.WriteLine($"<title id=\"{id}-title\">{Escape(chart.Title)}</title>");
        output.WriteLine($"<desc id=\"{id}-desc\">{Escape(Describe(chart))}</desc>");
        output.WriteLine($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{PlotWidth}\" height=\"{PlotHeight}\" class=\"plot\"/>");

        var points = chart.Series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        if (points.Count == 0)
        {
            output.WriteLine($"<text x=\"{Width / 2}\" y=\"{Top + (PlotHeight / 2)}\" text-anchor=\"middle\">No data</text>");
        }
        else
        {
            switch (chart.Kind)
            {
                case AuditChartKind.Histogram:
                    WriteCategorical(chart, output, bars: true);
                    break;
                case AuditChartKind.Interval:
                    WriteCategorical(chart, output, bars: false);
                    break;
                default:
                    WriteLines(chart, output);
                    break;
            }
        }

        output.WriteLine($"<text x=\"{Coordinate(Left + (PlotWidth / 2))}\" y=\"{Height - 8}\" text-anchor=\"middle\" class=\"axis-label\">{Escape(chart.XLabel)}</text>");
        output.WriteLine($"<text x=\"14\" y=\"{Coordinate(Top + (PlotHeight / 2))}\" text-anchor=\"middle\" class=\"axis-label\" transform=\"rotate(-90 14 {Coordinate(Top + (PlotHeight / 2))})\">{Escape(chart.YLabel)}</text>");
        WriteLegend(chart, output);
        output.WriteLine("</svg>");
    }

    /// <summary>The chart in words: what a screen reader says instead of the picture.</summary>
    public static string Describe(AuditChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        string kind = chart.Kind switch
        {
            AuditChartKind.Histogram => "Histogram",
            AuditChartKind.Interval => "Estimates with intervals",
            _ => "Line chart",
        };
        var parts = new List<string> { $"{kind} of {chart.YLabel} by {chart.XLabel}." };
        foreach (var series in chart.Series)
        {
            var shown = series.Points.Take(12).Select(p =>
                $"{p.Label ?? Number(p.X)}: {Number(p.Y)}" + (p.Low is { } low && p.High is { } high ? $" [{Number(low)}, {Number(high)}]" : ""));
            parts.Add($"{series.Name}: {string.Join("; ", shown)}{(series.Points.Count > 12 ? $" and {series.Points.Count - 12} more" : "")}.");
        }

        if (chart.ReferenceLine is { } line)
        {
            parts.Add($"Reference line at {Number(line)}.");
        }

        return string.Join(" ", parts);
    }

    // Histograms and intervals: one slot per distinct x, the series side by side inside it.
    private static void WriteCategorical(AuditChart chart, TextWriter output, bool bars)
    {
        var categories = chart.Series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X))
            .GroupBy(p => p.X).OrderBy(g => g.Key)
            .Select(g => (X: g.Key, Label: g.Select(p => p.Label).FirstOrDefault(l => l is not null) ?? Number(g.Key))).ToList();
        var values = chart.Series.SelectMany(s => s.Points).SelectMany(p => new[] { p.Y, p.Low ?? p.Y, p.High ?? p.Y }).Where(double.IsFinite).ToList();
        if (chart.ReferenceLine is { } reference && double.IsFinite(reference))
        {
            values.Add(reference);
        }

        double min = bars ? Math.Min(0, values.Min()) : values.Min();
        double max = bars ? Math.Max(0, values.Max()) : values.Max();
        var (low, high, ticks) = NiceScale(min, max);
        WriteYAxis(output, low, high, ticks);

        double slot = (double)PlotWidth / categories.Count;
        int seriesCount = Math.Max(1, chart.Series.Count);
        double inner = slot * 0.8 / seriesCount;
        int labelEvery = (int)Math.Ceiling(categories.Count / 12.0);
        for (int c = 0; c < categories.Count; c++)
        {
            if (c % labelEvery == 0)
            {
                output.WriteLine($"<text x=\"{Coordinate(Left + (slot * (c + 0.5)))}\" y=\"{Top + PlotHeight + 16}\" text-anchor=\"middle\" class=\"tick\">{Escape(Shorten(categories[c].Label))}</text>");
            }
        }

        WriteReferenceLine(chart, output, low, high);
        for (int s = 0; s < chart.Series.Count; s++)
        {
            var series = chart.Series[s];
            output.WriteLine($"<g class=\"series\" fill=\"{Colors[s % Colors.Length]}\" stroke=\"{Colors[s % Colors.Length]}\">");
            foreach (var point in series.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)))
            {
                int c = categories.FindIndex(k => k.X == point.X);
                double x = Left + (slot * c) + (slot * 0.1) + (inner * s);
                double center = x + (inner / 2);
                string tip = $"{series.Name}, {point.Label ?? Number(point.X)}: {Number(point.Y)}";
                if (bars)
                {
                    double top = Y(Math.Max(point.Y, 0), low, high);
                    double bottom = Y(Math.Min(point.Y, 0), low, high);
                    output.WriteLine($"<rect x=\"{Coordinate(x)}\" y=\"{Coordinate(top)}\" width=\"{Coordinate(Math.Max(inner - 1, 1))}\" height=\"{Coordinate(Math.Max(bottom - top, 0.5))}\" stroke-dasharray=\"{Dashes[s % Dashes.Length]}\" fill-opacity=\"0.75\"><title>{Escape(tip)}</title></rect>");
                    continue;
                }

                if (point.Low is { } lo && point.High is { } hi && double.IsFinite(lo) && double.IsFinite(hi))
                {
                    double yLow = Y(lo, low, high);
                    double yHigh = Y(hi, low, high);
                    output.WriteLine($"<line x1=\"{Coordinate(center)}\" x2=\"{Coordinate(center)}\" y1=\"{Coordinate(yLow)}\" y2=\"{Coordinate(yHigh)}\" stroke-width=\"2\"/>");
                    output.WriteLine($"<line x1=\"{Coordinate(center - 6)}\" x2=\"{Coordinate(center + 6)}\" y1=\"{Coordinate(yLow)}\" y2=\"{Coordinate(yLow)}\" stroke-width=\"2\"/>");
                    output.WriteLine($"<line x1=\"{Coordinate(center - 6)}\" x2=\"{Coordinate(center + 6)}\" y1=\"{Coordinate(yHigh)}\" y2=\"{Coordinate(yHigh)}\" stroke-width=\"2\"/>");
                    tip += $" [{Number(lo)}, {Number(hi)}]";
                }

                output.WriteLine($"<circle cx=\"{Coordinate(center)}\" cy=\"{Coordinate(Y(point.Y, low, high))}\" r=\"4\"><title>{Escape(tip)}</title></circle>");
            }

            output.WriteLine("</g>");
        }
    }

    private static void WriteLines(AuditChart chart, TextWriter output)
    {
        var points = chart.Series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        var ys = points.SelectMany(p => new[] { p.Y, p.Low ?? p.Y, p.High ?? p.Y }).Where(double.IsFinite).ToList();
        if (chart.ReferenceLine is { } reference && double.IsFinite(reference))
        {
            ys.Add(reference);
        }

        var (yLow, yHigh, yTicks) = NiceScale(ys.Min(), ys.Max());
        var (xLow, xHigh, xTicks) = NiceScale(points.Min(p => p.X), points.Max(p => p.X));
        WriteYAxis(output, yLow, yHigh, yTicks);
        foreach (double tick in xTicks)
        {
            double x = X(tick, xLow, xHigh);
            output.WriteLine($"<line x1=\"{Coordinate(x)}\" x2=\"{Coordinate(x)}\" y1=\"{Top + PlotHeight}\" y2=\"{Top + PlotHeight + 4}\" class=\"axis\"/>");
            output.WriteLine($"<text x=\"{Coordinate(x)}\" y=\"{Top + PlotHeight + 16}\" text-anchor=\"middle\" class=\"tick\">{Escape(Number(tick))}</text>");
        }

        WriteReferenceLine(chart, output, yLow, yHigh);
        for (int s = 0; s < chart.Series.Count; s++)
        {
            var series = chart.Series[s];
            var shown = series.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).OrderBy(p => p.X).ToList();
            string color = Colors[s % Colors.Length];
            string path = string.Join(" ", shown.Select(p => $"{Coordinate(X(p.X, xLow, xHigh))},{Coordinate(Y(p.Y, yLow, yHigh))}"));
            output.WriteLine($"<g class=\"series\" fill=\"{color}\" stroke=\"{color}\">");
            output.WriteLine($"<polyline points=\"{path}\" fill=\"none\" stroke-width=\"2\" stroke-dasharray=\"{Dashes[s % Dashes.Length]}\"/>");
            foreach (var point in shown)
            {
                double x = X(point.X, xLow, xHigh);
                if (point.Low is { } lo && point.High is { } hi && double.IsFinite(lo) && double.IsFinite(hi))
                {
                    output.WriteLine($"<line x1=\"{Coordinate(x)}\" x2=\"{Coordinate(x)}\" y1=\"{Coordinate(Y(lo, yLow, yHigh))}\" y2=\"{Coordinate(Y(hi, yLow, yHigh))}\" stroke-width=\"1\"/>");
                }

                output.WriteLine($"<circle cx=\"{Coordinate(x)}\" cy=\"{Coordinate(Y(point.Y, yLow, yHigh))}\" r=\"3.5\"><title>{Escape($"{series.Name}, {point.Label ?? Number(point.X)}: {Number(point.Y)}")}</title></circle>");
            }

            output.WriteLine("</g>");
        }
    }

    private static void WriteYAxis(TextWriter output, double low, double high, IReadOnlyList<double> ticks)
    {
        foreach (double tick in ticks)
        {
            double y = Y(tick, low, high);
            output.WriteLine($"<line x1=\"{Left}\" x2=\"{Left + PlotWidth}\" y1=\"{Coordinate(y)}\" y2=\"{Coordinate(y)}\" class=\"grid\"/>");
            output.WriteLine($"<text x=\"{Left - 6}\" y=\"{Coordinate(y + 4)}\" text-anchor=\"end\" class=\"tick\">{Escape(Number(tick))}</text>");
        }
    }

    private static void WriteReferenceLine(AuditChart chart, TextWriter output, double low, double high)
    {
        if (chart.ReferenceLine is { } line && double.IsFinite(line))
        {
            double y = Y(line, low, high);
            output.WriteLine($"<line x1=\"{Left}\" x2=\"{Left + PlotWidth}\" y1=\"{Coordinate(y)}\" y2=\"{Coordinate(y)}\" class=\"reference\"><title>reference {Escape(Number(line))}</title></line>");
        }
    }

    private static void WriteLegend(AuditChart chart, TextWriter output)
    {
        double x = Left;
        for (int s = 0; s < chart.Series.Count; s++)
        {
            string name = Shorten(chart.Series[s].Name);
            string color = Colors[s % Colors.Length];
            output.WriteLine($"<line x1=\"{Coordinate(x)}\" x2=\"{Coordinate(x + 18)}\" y1=\"18\" y2=\"18\" stroke=\"{color}\" stroke-width=\"4\" stroke-dasharray=\"{Dashes[s % Dashes.Length]}\"/>");
            output.WriteLine($"<text x=\"{Coordinate(x + 22)}\" y=\"22\" class=\"legend\">{Escape(name)}</text>");
            x += 34 + (7 * name.Length);
        }

        if (chart.ReferenceLine is { } line && double.IsFinite(line))
        {
            output.WriteLine($"<line x1=\"{Coordinate(x)}\" x2=\"{Coordinate(x + 18)}\" y1=\"18\" y2=\"18\" class=\"reference\"/>");
            output.WriteLine($"<text x=\"{Coordinate(x + 22)}\" y=\"22\" class=\"legend\">reference ({Escape(Number(line))})</text>");
        }
    }

    private static double X(double value, double low, double high) => Left + ((value - low) / (high - low) * PlotWidth);

    private static double Y(double value, double low, double high) => Top + PlotHeight - ((value - low) / (high - low) * PlotHeight);

    private static string Shorten(string text) => text.Length <= 24 ? text : text[..23] + "…";

    /// <summary>An axis range that starts and ends on round numbers (steps of 1, 2 or 5 times a power of ten), with its ticks.</summary>
    internal static (double Low, double High, IReadOnlyList<double> Ticks) NiceScale(double min, double max)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max))
        {
            return (0, 1, [0, 1]);
        }

        if (max - min < 1e-12)
        {
            double pad = Math.Abs(min) > 1e-12 ? Math.Abs(min) * 0.1 : 1;
            min -= pad;
            max += pad;
        }

        double rough = (max - min) / 5;
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double step = (rough / power) switch
        {
            <= 1 => power,
            <= 2 => 2 * power,
            <= 5 => 5 * power,
            _ => 10 * power,
        };
        double low = Math.Floor(min / step) * step;
        double high = Math.Ceiling(max / step) * step;
        var ticks = new List<double>();
        for (double t = low; t <= high + (step / 2) && ticks.Count < 20; t += step)
        {
            ticks.Add(Math.Round(t / step) * step);
        }

        return (low, high, ticks);
    }
}
