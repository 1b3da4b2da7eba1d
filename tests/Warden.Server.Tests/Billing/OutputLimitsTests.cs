using Warden.Server.Billing;

namespace Warden.Server.Tests.Billing;

public sealed class OutputLimitsTests
{
    [Fact]
    public void AStatedLimit_IsHeldAsStated()
    {
        Assert.Equal((1L, false), OutputLimits.For(1, [("unknown-model", null)]));
        Assert.Equal((200_000L, false), OutputLimits.For(200_000, [("gpt-4o", null)]));
    }

    [Fact]
    public void NoLimit_HoldsTheLargestKnownMaximumOrChannelCap_OfEveryModelItMayBeServedBy()
    {
        Assert.Equal((16_384L, false), OutputLimits.For(null, [("gpt-4o", null)]));
        Assert.Equal((128_000L, false), OutputLimits.For(null, [("gpt-4o", null), ("openai/gpt-5-mini", null)]));
        Assert.Equal((1_000L, false), OutputLimits.For(0, [("gpt-5", 1_000)]));
        Assert.Equal((64_000L, false), OutputLimits.For(null, [("claude-opus-4-5-20251101", null)]));
    }

    [Fact]
    public void NoLimit_AndAModelWhoseMaximumIsUnknown_IsCapped()
    {
        Assert.Equal((OutputLimits.UnknownModelCap, true), OutputLimits.For(null, [("gpt-4o", null), ("my-local-llama", null)]));
        Assert.Null(OutputLimits.KnownMaximum("my-local-llama"));
    }
}
