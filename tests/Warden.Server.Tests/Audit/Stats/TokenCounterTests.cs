using Warden.Server.Audit;
using Warden.Server.Audit.Stats;

namespace Warden.Server.Tests.Audit.Stats;

public sealed class TokenCounterTests
{
    [Fact]
    public void Count_KnownTexts_MatchTheTiktokenVocabularies()
    {
        Assert.Equal(2, TokenCounter.Count(TokenizerFamily.O200k, "hello world"));
        Assert.Equal(2, TokenCounter.Count(TokenizerFamily.Cl100k, "hello world"));
        Assert.Equal(2, TokenCounter.Count(TokenizerFamily.R50k, "hello world"));

        // tiktoken's own example: "tiktoken is great!" is six cl100k tokens.
        Assert.Equal(6, TokenCounter.Count(TokenizerFamily.Cl100k, "tiktoken is great!"));
    }

    [Fact]
    public void Count_NonEnglishText_DiffersBetweenFamilies()
    {
        const string Text = "Привет, как дела? Это короткий тест токенизатора.";
        var o200k = TokenCounter.Count(TokenizerFamily.O200k, Text);
        var cl100k = TokenCounter.Count(TokenizerFamily.Cl100k, Text);
        var r50k = TokenCounter.Count(TokenizerFamily.R50k, Text);
        Assert.True(o200k < cl100k && cl100k < r50k, $"o200k {o200k}, cl100k {cl100k}, r50k {r50k}");
    }

    [Fact]
    public void CountPrompt_SimChars4_IsTheSimulatorRule()
    {
        // ceil((5 + 6) / 4) = 3, plus 4 per message.
        AuditMessage[] messages = [AuditMessage.User("hello"), AuditMessage.Assistant("world!")];
        Assert.Equal(3 + 8, TokenCounter.CountPrompt(TokenizerFamily.SimChars4, messages));
        Assert.Equal(3, TokenCounter.Count(TokenizerFamily.SimChars4, "hello world"));
    }

    [Theory]
    [InlineData("gpt-4o", "O200k")]
    [InlineData("gpt-4o-mini", "O200k")]
    [InlineData("gpt-4.1-nano", "O200k")]
    [InlineData("o3-mini", "O200k")]
    [InlineData("o1", "O200k")]
    [InlineData("gpt-5", "O200k")]
    [InlineData("openai/gpt-4o", "O200k")]
    [InlineData("gpt-4", "Cl100k")]
    [InlineData("gpt-4-turbo", "Cl100k")]
    [InlineData("gpt-3.5-turbo", "Cl100k")]
    [InlineData("davinci", "R50k")]
    [InlineData("sim-large", "SimChars4")]
    [InlineData("claude-sonnet-4-5", "None")]
    [InlineData("omni-model", "None")]
    public void FamilyOf_ModelNames_MapToTheirTokenizer(string model, string family) =>
        Assert.Equal(family, TokenCounter.FamilyOf(model).ToString());
}
