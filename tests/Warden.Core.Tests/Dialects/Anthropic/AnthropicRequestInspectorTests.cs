using Warden.Core.Canonical;
using Warden.Core.Dialects.Anthropic;

namespace Warden.Core.Tests.Dialects.Anthropic;

public class AnthropicRequestInspectorTests
{
    [Fact]
    public void ClaudeCodeSample_GivesModelStreamAndCap()
    {
        Assert.True(AnthropicCodec.Instance.TryInspect(AnthropicTestData.Body("claude-code.tool.01.json"), RequestContext.Empty, out var facts, out var error));

        Assert.Null(error);
        Assert.Equal(new RequestFacts("claude-opus-4-8", true, 64000, null), facts);
    }

    [Fact]
    public void CountTokensBody_IsFineWithoutMaxTokens()
    {
        Assert.True(AnthropicCodec.Instance.TryInspect(AnthropicTestData.Body("anthropic-sdk.03.json"), RequestContext.Empty, out var facts, out _));

        Assert.Equal(new RequestFacts("claude-sonnet-4-5", false, null, null), facts);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[""", null)]
    [InlineData("""{"messages":[],"max_tokens":1}""", "model")]
    [InlineData("""{"model":5,"messages":[]}""", "model")]
    [InlineData("""[]""", null)]
    [InlineData("""{"model":"m"} trailing""", null)]
    [InlineData("", null)]
    public void BrokenBodies_AreRefused(string json, string? param)
    {
        Assert.False(AnthropicCodec.Instance.TryInspect(AnthropicTestData.Bytes(json), RequestContext.Empty, out _, out var error));

        Assert.NotNull(error);
        Assert.Equal(param, error.Param);
    }

    [Fact]
    public void InvalidUtf8_IsRefused()
    {
        byte[] body = [.. """{"model":"m","messages":[{"role":"user","content":" """u8, 0xC3, 0x28, .. "\"}]}"u8];

        Assert.False(AnthropicCodec.Instance.TryInspect(body, RequestContext.Empty, out _, out var error));

        Assert.Contains("UTF-8", error!.Message, StringComparison.Ordinal);
    }
}
