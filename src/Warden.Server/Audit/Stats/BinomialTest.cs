namespace Warden.Server.Audit.Stats;

/// <summary>Exact binomial tail probabilities, through the identity P(X ≥ k) = I_p(k, n − k + 1).</summary>
internal static class BinomialTest
{
    /// <summary>P(X ≥ k) for X ~ Binomial(n, p): the one-sided p-value for "more successes than p allows".</summary>
    public static double UpperTail(int successes, int trials, double probability)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        if (successes == 0)
        {
            return 1;
        }

        return SpecialFunctions.RegularizedBeta(probability, successes, trials - successes + 1);
    }

    /// <summary>P(X ≤ k) for X ~ Binomial(n, p): the one-sided p-value for "fewer successes than p allows".</summary>
    public static double LowerTail(int successes, int trials, double probability)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        return successes == trials ? 1 : 1 - UpperTail(successes + 1, trials, probability);
    }
}
