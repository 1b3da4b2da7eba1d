namespace Warden.Server.Audit.Stats;

/// <summary>
/// The one-sample Kolmogorov–Smirnov test against the uniform distribution on [0, 1]: the calibration check for
/// p-values (under a valid test's null they are uniform). The p-value uses the Kolmogorov limit distribution with
/// Stephens' small-sample correction λ = (√n + 0.12 + 0.11/√n)·D.
/// </summary>
internal static class KolmogorovSmirnov
{
    public static (double Statistic, double PValue) AgainstUniform(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return (0, 1);
        }

        var sorted = values.Order().ToArray();
        var n = sorted.Length;
        var d = 0.0;
        for (var i = 0; i < n; i++)
        {
            var x = Math.Clamp(sorted[i], 0, 1);
            d = Math.Max(d, Math.Max(((i + 1.0) / n) - x, x - ((double)i / n)));
        }

        var root = Math.Sqrt(n);
        return (d, KolmogorovTail((root + 0.12 + (0.11 / root)) * d));
    }

    /// <summary>Q(λ) = 2 Σ (−1)^(k−1) exp(−2k²λ²), the limit of P(√n·D &gt; λ).</summary>
    public static double KolmogorovTail(double lambda)
    {
        if (lambda < 0.2)
        {
            return 1;
        }

        var sum = 0.0;
        for (var k = 1; k <= 100; k++)
        {
            var term = Math.Exp(-2 * k * k * lambda * lambda);
            sum += (k % 2 == 1 ? 1 : -1) * term;
            if (term < 1e-12)
            {
                break;
            }
        }

        return Math.Clamp(2 * sum, 0, 1);
    }
}
