using Warden.Core.Chat;
using Warden.Core.Dialects.Anthropic;

namespace Warden.Core.Tests.Dialects.Anthropic;

public class AnthropicUsageTests
{
    [Fact]
    public void CanonicalInput_AddsCacheReadAndCacheWrite()
    {
        var usage = AnthropicUsage.Read(AnthropicTestData.Parse("""{"input_tokens":10,"cache_read_input_tokens":2000,"cache_creation_input_tokens":500,"output_tokens":30}"""));

        Assert.Equal(new Usage(2510, 30, 2000, 500, null, UsageSource.Reported), usage.ToCanonical());
    }

    [Fact]
    public void Encoding_SubtractsCacheFromInput_AndNeverGoesNegative()
    {
        Assert.Equal(new AnthropicUsage(10, 2000, 500, 30), AnthropicUsage.FromCanonical(new Usage(2510, 30, 2000, 500, null, UsageSource.Reported)));
        Assert.Equal(0, AnthropicUsage.FromCanonical(new Usage(100, 1, 80, 80, null, UsageSource.Reported)).InputTokens);
    }

    [Fact]
    public void RoundTrip_KeepsEveryNumber()
    {
        var wire = new AnthropicUsage(7, 3, 5, 11);

        Assert.Equal(wire, AnthropicUsage.FromCanonical(wire.ToCanonical()));
    }

    [Fact]
    public void StreamUsage_MergesCumulatively()
    {
        var start = new AnthropicUsage(12, 100, 0, 1);
        var delta = AnthropicUsage.Read(AnthropicTestData.Parse("""{"output_tokens":40}"""));

        Assert.Equal(new Usage(112, 40, 100, 0, null, UsageSource.Reported), start.MergeWith(delta).ToCanonical());
    }

    [Fact]
    public void NothingReported_IsNotReported()
    {
        Assert.Equal(Usage.NotReported, AnthropicUsage.Read(AnthropicTestData.Parse("{}")).ToCanonical());
    }
}
