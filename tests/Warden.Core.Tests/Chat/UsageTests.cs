using Warden.Core.Chat;

namespace Warden.Core.Tests.Chat;

public class UsageTests
{
    [Fact]
    public void NotReported_EveryCount_IsNullNotZero()
    {
        var usage = Usage.NotReported;

        Assert.Null(usage.InputTokens);
        Assert.Null(usage.OutputTokens);
        Assert.Null(usage.CacheReadTokens);
        Assert.Null(usage.CacheWriteTokens);
        Assert.Null(usage.ReasoningTokens);
        Assert.Equal(UsageSource.NotReported, usage.Source);
    }
}
