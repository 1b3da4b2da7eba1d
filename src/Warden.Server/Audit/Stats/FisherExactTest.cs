namespace Warden.Server.Audit.Stats;

/// <summary>
/// Fisher's exact test on a 2×2 table, conditioning on the margins: with a successes of n1 in the first group and b of
/// n2 in the second, the count in the first group is hypergeometric under the null of equal rates.
/// </summary>
internal static class FisherExactTest
{
    /// <summary>One-sided p-value for "the first group's rate is greater": P(X ≥ a).</summary>
    public static double Greater(int a, int n1, int b, int n2)
    {
        Validate(a, n1, b, n2);
        var total = a + b;
        var high = Math.Min(total, n1);
        var p = 0.0;
        for (var x = a; x <= high; x++)
        {
            p += Probability(x, n1, total - x, n2);
        }

        return Math.Min(1, p);
    }

    /// <summary>One-sided p-value for "the first group's rate is smaller": P(X ≤ a).</summary>
    public static double Less(int a, int n1, int b, int n2)
    {
        Validate(a, n1, b, n2);
        var total = a + b;
        var low = Math.Max(0, total - n2);
        var p = 0.0;
        for (var x = low; x <= a; x++)
        {
            p += Probability(x, n1, total - x, n2);
        }

        return Math.Min(1, p);
    }

    private static double Probability(int x, int n1, int y, int n2) =>
        Math.Exp(SpecialFunctions.LogChoose(n1, x) + SpecialFunctions.LogChoose(n2, y) - SpecialFunctions.LogChoose(n1 + n2, x + y));

    private static void Validate(int a, int n1, int b, int n2)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(a);
        ArgumentOutOfRangeException.ThrowIfNegative(b);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(a, n1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(b, n2);
    }
}
