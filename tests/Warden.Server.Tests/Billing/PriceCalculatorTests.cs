using Warden.Core.Chat;
using Warden.Server.Billing;
using CanonicalUsage = Warden.Core.Chat.Usage;

namespace Warden.Server.Tests.Billing;

/// <summary>Integer price math on the canonical usage semantics (input includes cache; output includes reasoning).</summary>
public sealed class PriceCalculatorTests
{
    private static readonly PriceVersion Price = new(7, "m", "USD", 3_000_000, 15_000_000, 300_000, 3_750_000, 10_000_000,
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    [Fact]
    public void CachedAndReasoningTokens_ArePricedAtTheirOwnRates_AndNotTwice()
    {
        // 10_000 input of which 6_000 cache reads and 2_000 cache writes; 1_500 output of which 1_000 reasoning.
        var usage = new CanonicalUsage(10_000, 1_500, 6_000, 2_000, 1_000, UsageSource.Reported);
        var cost = PriceCalculator.Cost(Price, usage, 1_000_000);

        Assert.Equal(6_000, cost.UncachedInputMicros);   // 2_000 × 3.00 / 1M
        Assert.Equal(1_800, cost.CacheReadMicros);       // 6_000 × 0.30 / 1M
        Assert.Equal(7_500, cost.CacheWriteMicros);      // 2_000 × 3.75 / 1M
        Assert.Equal(7_500, cost.OutputMicros);          // 500 × 15.00 / 1M
        Assert.Equal(10_000, cost.ReasoningMicros);      // 1_000 × 10.00 / 1M
        Assert.Equal(32_800, cost.TotalMicros);
        Assert.Equal(7, cost.PriceVersion);
        Assert.Equal("reported", cost.UsageSource);
        Assert.Equal("", cost.Note);
    }

    [Fact]
    public void Multiplier_AppliesToTheSum_RoundingUp()
    {
        var usage = new CanonicalUsage(10_000, 1_500, 6_000, 2_000, 1_000, UsageSource.Reported);
        Assert.Equal(41_000, PriceCalculator.Cost(Price, usage, 1_250_000).TotalMicros);
        // 32_800 × 0.333333 = 10_933.3224 → 10_934
        Assert.Equal(10_934, PriceCalculator.Cost(Price, usage, 333_333).TotalMicros);
    }

    [Theory]
    [InlineData(1, 3_000_000, 3)]
    [InlineData(1, 300_000, 1)]          // 0.3 micro rounds up to 1
    [InlineData(7, 150_000, 2)]          // 1.05 → 2
    [InlineData(1_000_000, 300_000, 300_000)]
    [InlineData(0, 15_000_000, 0)]
    public void EachComponent_IsCeilOfTokensTimesPricePerMillion(long tokens, long perMillion, long expected) =>
        Assert.Equal(expected, PriceCalculator.Component(tokens, perMillion));

    [Fact]
    public void HugeCounts_StayExact_WithoutOverflow()
    {
        // 2^40 tokens at 15 units per million: 16_492_674_416_640 micros, computed in 128-bit then checked.
        Assert.Equal(16_492_674_416_640, PriceCalculator.Component(1L << 40, 15_000_000));
        Assert.Throws<OverflowException>(() => PriceCalculator.Component(long.MaxValue, long.MaxValue));
    }

    [Fact]
    public void UnreportedComponents_CostZero_AndAreNamed()
    {
        var usage = new CanonicalUsage(1_000, null, null, null, null, UsageSource.Reported);
        var cost = PriceCalculator.Cost(Price, usage, 1_000_000);
        Assert.Equal(3_000, cost.TotalMicros);
        Assert.Equal("not_reported: cache_read,cache_write,reasoning,output", cost.Note);

        var nothing = PriceCalculator.Cost(Price, CanonicalUsage.NotReported, 1_000_000);
        Assert.Equal(0, nothing.TotalMicros);
        Assert.Equal("not_reported", nothing.UsageSource);
    }

    [Fact]
    public void EstimatedUsage_IsLabelledWithHowItWasEstimated()
    {
        var cost = PriceCalculator.Cost(Price, new CanonicalUsage(100, 10, null, null, null, UsageSource.Estimated), 1_000_000, "TokenEstimator on the request text");
        Assert.Equal("estimated", cost.UsageSource);
        Assert.StartsWith("estimated: TokenEstimator on the request text", cost.Note, StringComparison.Ordinal);
        Assert.Equal(300 + 150, cost.TotalMicros);
    }

    [Fact]
    public void WorstCase_UsesTheDearestInputAndOutputRates()
    {
        // Input at the cache-write rate (3.75), output at the output rate (15 > 10 reasoning), plus the rounding slack:
        // three priced input components can each round up (+2), two output components (+1).
        Assert.Equal(3_750 + 2 + 30_000 + 1, PriceCalculator.WorstCase(Price, 1_000, 2_000, 1_000_000));
    }

    [Fact]
    public void WorstCase_CoversACostWhoseComponentsEachRoundUp()
    {
        // Issue 18: the hold must be an upper bound of the settlement. At one micro per million tokens, usage split over
        // all five components costs 5 micros (each rounds up to 1), while the unsplit worst case rounds to 1 + 1.
        var cheap = Price with { InputPerMillion = 1, OutputPerMillion = 1, CacheReadPerMillion = 1, CacheWritePerMillion = 1, ReasoningPerMillion = 1 };
        var cost = PriceCalculator.Cost(cheap, new Warden.Core.Chat.Usage(3, 2, 1, 1, 1, Warden.Core.Chat.UsageSource.Reported), 1_000_000);
        Assert.Equal(5, cost.TotalMicros);
        Assert.True(PriceCalculator.WorstCase(cheap, 3, 2, 1_000_000) >= cost.TotalMicros);
    }

    [Fact]
    public void TryWorstCase_IsFalse_WhenTheWorstCaseDoesNotFitALong()
    {
        // Issue 18: max_tokens near 4.6e18 used to throw (a 500 and a leaked concurrency slot).
        Assert.False(PriceCalculator.TryWorstCase(Price, 10, 4_611_686_018_427_387_904, 1_000_000, out _));
        Assert.False(PriceCalculator.TryWorstCase(Price with { OutputPerMillion = long.MaxValue }, long.MaxValue, long.MaxValue, long.MaxValue, out _));
        Assert.True(PriceCalculator.TryWorstCase(Price, 10, 10_000_000, 1_000_000, out long held));
        Assert.Equal(PriceCalculator.WorstCase(Price, 10, 10_000_000, 1_000_000), held);
    }

    [Theory]
    [InlineData("12", 12_000_000)]
    [InlineData("0.35", 350_000)]
    [InlineData("0.000001", 1)]
    [InlineData("-2.5", -2_500_000)]
    public void Money_ParsesDecimalTextExactly(string text, long micros)
    {
        Assert.True(Money.TryParse(text, out long parsed));
        Assert.Equal(micros, parsed);
        Assert.True(Money.TryParse(Money.Format(micros), out long back));
        Assert.Equal(micros, back);
    }

    [Theory]
    [InlineData("1.0000001")]
    [InlineData("1e3")]
    [InlineData("1.")]
    [InlineData("abc")]
    [InlineData("")]
    public void Money_RefusesAnythingElse(string text) => Assert.False(Money.TryParse(text, out _));
}
