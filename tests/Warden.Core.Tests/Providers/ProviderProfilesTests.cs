using Warden.Core.Providers;

namespace Warden.Core.Tests.Providers;

public class ProviderProfilesTests
{
    [Fact]
    public void All_Ids_AreUniqueIgnoringCase()
    {
        var ids = ProviderProfiles.All.Select(p => p.Id).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void All_Ids_AreLowerCaseAndNonEmpty()
    {
        Assert.All(ProviderProfiles.All, p =>
        {
            Assert.False(string.IsNullOrWhiteSpace(p.Id));
            Assert.Equal(p.Id.ToLowerInvariant(), p.Id);
        });
    }

    [Fact]
    public void All_DefaultBaseUrl_EndsWithSlash()
    {
        Assert.All(ProviderProfiles.All, p => Assert.EndsWith("/", p.DefaultBaseUrl.AbsoluteUri, StringComparison.Ordinal));
    }

    [Fact]
    public void All_DefaultBaseUrl_KeepsVersionSegmentWhenResolvingChatCompletions()
    {
        Assert.All(ProviderProfiles.All, p =>
        {
            var endpoint = new Uri(p.DefaultBaseUrl, "chat/completions");

            Assert.Equal(p.DefaultBaseUrl.AbsoluteUri + "chat/completions", endpoint.AbsoluteUri);
        });
    }

    [Theory]
    [InlineData("simulator")]
    [InlineData("vllm")]
    [InlineData("ollama")]
    public void Find_LocalProfiles_HaveLocalNetworkQuirk(string id)
    {
        var profile = ProviderProfiles.Find(id);

        Assert.NotNull(profile);
        Assert.True(profile.Quirks.HasFlag(ProviderQuirks.LocalNetwork));
    }

    [Fact]
    public void All_LocalNetworkQuirk_OnlyOnLocalJurisdiction()
    {
        Assert.All(ProviderProfiles.All, p =>
            Assert.Equal(p.Jurisdiction == "local", p.Quirks.HasFlag(ProviderQuirks.LocalNetwork)));
    }

    [Fact]
    public void Find_EveryProfileInAnyCase_ReturnsThatProfile()
    {
        Assert.All(ProviderProfiles.All, p =>
        {
            Assert.Same(p, ProviderProfiles.Find(p.Id));
            Assert.Same(p, ProviderProfiles.Find(p.Id.ToUpperInvariant()));
        });
    }

    [Theory]
    [InlineData("OpenAI", "openai")]
    [InlineData("DeepSeek", "deepseek")]
    [InlineData("OLLAMA", "ollama")]
    [InlineData("vLLM", "vllm")]
    public void Find_MixedCaseId_ReturnsProfile(string query, string expectedId)
    {
        Assert.Equal(expectedId, ProviderProfiles.Find(query)?.Id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bedrock")]
    [InlineData("openai ")]
    [InlineData("open-ai")]
    public void Find_UnknownId_ReturnsNull(string id)
    {
        Assert.Null(ProviderProfiles.Find(id));
    }
}
