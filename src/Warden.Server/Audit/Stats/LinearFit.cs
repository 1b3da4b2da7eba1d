namespace Warden.Server.Audit.Stats;

/// <summary>
/// Ordinary least squares y = a + b·x with a t-interval for the slope. The usage check regresses reported tokens on the
/// local count so that a constant per-request template overhead lands in the intercept and only a multiplicative
/// factor moves the slope away from 1.
/// </summary>
internal sealed record LinearFit(double Intercept, double Slope, double SlopeLow, double SlopeHigh, int Count)
{
    /// <summary>Fits the points; null with fewer than three points or no spread in x.</summary>
    public static LinearFit? Fit(IReadOnlyList<(double X, double Y)> points, double alpha)
    {
        ArgumentNullException.ThrowIfNull(points);
        var n = points.Count;
        if (n < 3)
        {
            return null;
        }

        var meanX = points.Average(static p => p.X);
        var meanY = points.Average(static p => p.Y);
        double sxx = 0, sxy = 0;
        foreach (var (x, y) in points)
        {
            sxx += (x - meanX) * (x - meanX);
            sxy += (x - meanX) * (y - meanY);
        }

        if (sxx <= 0)
        {
            return null;
        }

        var slope = sxy / sxx;
        var intercept = meanY - (slope * meanX);
        var rss = points.Sum(p => Math.Pow(p.Y - intercept - (slope * p.X), 2));
        var standardError = Math.Sqrt(rss / (n - 2) / sxx);
        var t = SpecialFunctions.StudentTQuantile(1 - (alpha / 2), n - 2);
        return new LinearFit(intercept, slope, slope - (t * standardError), slope + (t * standardError), n);
    }
}
