namespace Warden.Server.Audit.Stats;

/// <summary>Confidence intervals for a binomial proportion at level 1 − alpha.</summary>
internal static class ProportionInterval
{
    /// <summary>Wilson's score interval: good coverage for small n, never outside [0, 1]. Used for charts.</summary>
    public static (double Low, double High) Wilson(int successes, int trials, double alpha)
    {
        if (trials == 0)
        {
            return (0, 1);
        }

        var z = SpecialFunctions.NormalQuantile(1 - (alpha / 2));
        var n = (double)trials;
        var p = successes / n;
        var denominator = 1 + (z * z / n);
        var centre = (p + (z * z / (2 * n))) / denominator;
        var half = z * Math.Sqrt((p * (1 - p) / n) + (z * z / (4 * n * n))) / denominator;
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>The Clopper–Pearson interval: exact (conservative) coverage from the binomial tails.</summary>
    public static (double Low, double High) ClopperPearson(int successes, int trials, double alpha)
    {
        if (trials == 0)
        {
            return (0, 1);
        }

        var low = successes == 0 ? 0 : SpecialFunctions.BetaQuantile(alpha / 2, successes, trials - successes + 1);
        var high = successes == trials ? 1 : SpecialFunctions.BetaQuantile(1 - (alpha / 2), successes + 1, trials - successes);
        return (low, high);
    }
}
