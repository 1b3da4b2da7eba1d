using Warden.Server.Audit.Stats;

namespace Warden.Server.Tests.Audit.Stats;

/// <summary>The audit's statistics against known values, and their calibration and coverage on seeded data.</summary>
public sealed class StatisticsTests
{
    private const double Alpha = 0.05;

    [Fact]
    public void SpecialFunctions_KnownValues_Match()
    {
        Assert.Equal(Math.Log(24), SpecialFunctions.LogGamma(5), 10);
        Assert.Equal(0.5 * Math.Log(Math.PI), SpecialFunctions.LogGamma(0.5), 10);
        Assert.Equal(1.959964, SpecialFunctions.NormalQuantile(0.975), 4);
        Assert.Equal(0.841345, SpecialFunctions.NormalCdf(1), 5);

        // Student's t quantiles from the standard table.
        Assert.Equal(2.228, SpecialFunctions.StudentTQuantile(0.975, 10), 3);
        Assert.Equal(12.706, SpecialFunctions.StudentTQuantile(0.975, 1), 2);

        // I_x(a, 1) = x^a.
        Assert.Equal(Math.Pow(0.3, 4), SpecialFunctions.RegularizedBeta(0.3, 4, 1), 10);
    }

    [Fact]
    public void BinomialTest_Tails_MatchTheExactSums()
    {
        // P(X >= 8 | n = 10, p = 1/2) = (45 + 10 + 1) / 1024.
        Assert.Equal(56.0 / 1024, BinomialTest.UpperTail(8, 10, 0.5), 10);
        Assert.Equal(1 - (56.0 / 1024), BinomialTest.LowerTail(7, 10, 0.5), 10);
        Assert.Equal(1, BinomialTest.UpperTail(0, 10, 0.3));
        Assert.Equal(Math.Pow(0.2, 5), BinomialTest.UpperTail(5, 5, 0.2), 12);
    }

    [Fact]
    public void FisherExactTest_Tables_MatchTheHypergeometricSums()
    {
        // 3/3 against 0/3: the single most extreme table, 1 / C(6, 3).
        Assert.Equal(0.05, FisherExactTest.Greater(3, 3, 0, 3), 10);
        Assert.Equal(0.05, FisherExactTest.Less(0, 3, 3, 3), 10);

        // 0/10 against 10/10: 1 / C(20, 10).
        Assert.Equal(1 / 184756.0, FisherExactTest.Less(0, 10, 10, 10), 12);
        Assert.Equal(1, FisherExactTest.Greater(0, 10, 10, 10), 10);
    }

    [Fact]
    public void BinomialTest_UnderTheNull_RejectsAtMostAlpha()
    {
        var random = new Random(21);
        var rejections = 0;
        const int Replications = 2000;
        for (var r = 0; r < Replications; r++)
        {
            var successes = Enumerable.Range(0, 30).Count(_ => random.NextDouble() < 0.2);
            if (BinomialTest.UpperTail(successes, 30, 0.2) < Alpha)
            {
                rejections++;
            }
        }

        // The exact test is conservative: its size is at most alpha (plus sampling noise of ~3 standard errors).
        Assert.InRange(rejections / (double)Replications, 0, Alpha + (3 * Math.Sqrt(Alpha * (1 - Alpha) / Replications)));
    }

    [Fact]
    public void FisherExactTest_UnderTheNull_RejectsAtMostAlpha_AndHasPowerAgainstAGap()
    {
        var random = new Random(22);
        var nullRejections = 0;
        var powerRejections = 0;
        const int Replications = 1000;
        for (var r = 0; r < Replications; r++)
        {
            var a = Enumerable.Range(0, 20).Count(_ => random.NextDouble() < 0.3);
            var b = Enumerable.Range(0, 20).Count(_ => random.NextDouble() < 0.3);
            nullRejections += FisherExactTest.Greater(a, 20, b, 20) < Alpha ? 1 : 0;
            var c = Enumerable.Range(0, 20).Count(_ => random.NextDouble() < 0.9);
            powerRejections += FisherExactTest.Greater(c, 20, b, 20) < Alpha ? 1 : 0;
        }

        Assert.InRange(nullRejections / (double)Replications, 0, Alpha + 0.02);
        Assert.True(powerRejections > 0.95 * Replications, $"power {powerRejections}/{Replications}");
    }

    [Fact]
    public void KolmogorovSmirnov_UniformData_IsNotRejected_SkewedDataIs()
    {
        var random = new Random(23);
        var uniform = Enumerable.Range(0, 200).Select(_ => random.NextDouble()).ToArray();
        var skewed = uniform.Select(static u => u * u).ToArray();
        Assert.True(KolmogorovSmirnov.AgainstUniform(uniform).PValue > 0.01);
        Assert.True(KolmogorovSmirnov.AgainstUniform(skewed).PValue < 0.001);
    }

    [Fact]
    public void KolmogorovSmirnov_ItsOwnPValues_AreUniformUnderTheNull()
    {
        var random = new Random(24);
        var pValues = Enumerable.Range(0, 300)
            .Select(_ => KolmogorovSmirnov.AgainstUniform(Enumerable.Range(0, 50).Select(_ => random.NextDouble()).ToArray()).PValue)
            .ToArray();
        Assert.True(KolmogorovSmirnov.AgainstUniform(pValues).PValue > 0.001);
    }

    [Theory]
    [InlineData(30, 0.3)]
    [InlineData(50, 0.1)]
    public void ProportionIntervals_CoverTheTrueRate(int trials, double rate)
    {
        var random = new Random(25);
        var wilson = 0;
        var exact = 0;
        const int Replications = 2000;
        for (var r = 0; r < Replications; r++)
        {
            var k = Enumerable.Range(0, trials).Count(_ => random.NextDouble() < rate);
            var (wl, wh) = ProportionInterval.Wilson(k, trials, Alpha);
            var (cl, ch) = ProportionInterval.ClopperPearson(k, trials, Alpha);
            wilson += wl <= rate && rate <= wh ? 1 : 0;
            exact += cl <= rate && rate <= ch ? 1 : 0;
        }

        // Clopper-Pearson is exact (at least 1 - alpha); Wilson is close to nominal.
        Assert.True(exact / (double)Replications >= 1 - Alpha - 0.01, $"Clopper-Pearson coverage {exact}/{Replications}");
        Assert.True(wilson / (double)Replications >= 1 - Alpha - 0.03, $"Wilson coverage {wilson}/{Replications}");
    }

    [Fact]
    public void LinearFit_SlopeInterval_CoversTheTrueSlope()
    {
        var random = new Random(26);
        var covered = 0;
        const int Replications = 1000;
        for (var r = 0; r < Replications; r++)
        {
            var points = Enumerable.Range(0, 20).Select(i =>
            {
                var x = 10.0 * (i + 1);
                return (x, 7 + (1.3 * x) + (5 * Gaussian(random)));
            }).ToArray();
            var fit = LinearFit.Fit(points, Alpha)!;
            covered += fit.SlopeLow <= 1.3 && 1.3 <= fit.SlopeHigh ? 1 : 0;
        }

        Assert.InRange(covered / (double)Replications, 1 - Alpha - 0.02, 1 - Alpha + 0.02);
    }

    [Fact]
    public void MmdTest_UnderTheNull_GivesUniformPValues()
    {
        var random = new Random(27);
        var pValues = new List<double>();
        for (var r = 0; r < 200; r++)
        {
            var first = Samples(random, SmallVocabulary, 2, 8);
            var second = Samples(random, SmallVocabulary, 2, 8);
            pValues.Add(MmdTest.Run(first, second, 199, random).PValue);
        }

        var (_, p) = KolmogorovSmirnov.AgainstUniform(pValues);
        Assert.True(p > 0.001, $"KS p = {p}");
        Assert.InRange(pValues.Count(static v => v < 0.05) / 200.0, 0, 0.05 + 0.05);
    }

    [Fact]
    public void MmdTest_DifferentVocabularies_AreDetected()
    {
        var random = new Random(28);
        var detected = 0;
        const int Replications = 50;
        for (var r = 0; r < Replications; r++)
        {
            var first = Samples(random, SmallVocabulary, 4, 10);
            var second = Samples(random, OtherVocabulary, 4, 10);
            detected += MmdTest.Run(first, second, 499, random).PValue < 0.01 ? 1 : 0;
        }

        Assert.True(detected >= 0.95 * Replications, $"detected {detected}/{Replications}");
    }

    [Fact]
    public void MmdTest_Hamming_ComparesPositionsOverTheFirstHundredCharacters()
    {
        Assert.Equal(1, MmdTest.Hamming("abc", "abc"));
        Assert.Equal(0.98, MmdTest.Hamming("abc", "xyc"), 10);
        Assert.Equal(0.97, MmdTest.Hamming("abc", ""), 10);
    }

    private static readonly string[] SmallVocabulary = ["river", "stone", "light", "green", "quiet", "morning", "garden", "slow", "bright", "cloud", "the", "a", "and"];

    private static readonly string[] OtherVocabulary = ["vector", "signal", "rapid", "metal", "engine", "sharp", "system", "current", "the", "a", "and", "grid", "pulse"];

    private static List<MmdSample> Samples(Random random, string[] vocabulary, int prompts, int perPrompt)
    {
        var samples = new List<MmdSample>();
        for (var p = 0; p < prompts; p++)
        {
            for (var i = 0; i < perPrompt; i++)
            {
                var words = Enumerable.Range(0, 12 + random.Next(8)).Select(_ => vocabulary[random.Next(vocabulary.Length)]);
                samples.Add(new MmdSample(p, string.Join(' ', words)));
            }
        }

        return samples;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
