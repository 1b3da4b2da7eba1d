using Warden.Core.Providers;
using Warden.Server.Hosting;
using Warden.Server.Routing;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Routing;

/// <summary>
/// The provider profiles of issue 22: each sends a request to its vendor's path shape with its vendor's auth header
/// (checked against a local upstream at that path), and the channel commands list, test and query them.
/// </summary>
public sealed class ProviderProfileTests
{
    public static TheoryData<string> OpenAICompatibleProfiles() =>
    [
        "openrouter", "mistral", "groq", "xai", "together", "fireworks", "siliconflow", "doubao", "qianfan", "hunyuan", "minimax",
        "stepfun", "spark", "01ai", "baichuan", "openai-compatible", "azure-openai",
    ];

    [Theory]
    [MemberData(nameof(OpenAICompatibleProfiles))]
    public async Task Profile_ChatRequest_ReachesTheVendorsPathWithItsAuthHeader(string id)
    {
        var profile = ProviderProfiles.Find(id)!;
        await using var upstream = await ProfileProbeUpstream.StartAsync();
        await using var server = await WardenTestServer.StartAsync(o => o with { EnableSimulator = false });
        string model = "model-" + id;
        server.AddChannel(id, "probe-" + id, new Uri(upstream.RootUrl, profile.DefaultBaseUrl.AbsolutePath.TrimStart('/')), "key-" + id, 0, model);

        var completion = (await server.Chat(model).CompleteChatAsync("Say OK.")).Value;
        Assert.Equal(model, completion.Model);

        var seen = Assert.Single(upstream.Requests);
        Assert.Equal("POST", seen.Method);
        Assert.Equal(profile.DefaultBaseUrl.AbsolutePath + "chat/completions", seen.Path);
        if (id == "azure-openai")
        {
            Assert.Equal("?api-version=2024-10-21", seen.Query);
            Assert.Equal("key-" + id, seen.ApiKey);
            Assert.Equal("", seen.Authorization);
        }
        else
        {
            Assert.Equal("", seen.Query);
            Assert.Equal("Bearer key-" + id, seen.Authorization);
            Assert.Equal("", seen.ApiKey);
        }
    }

    [Fact]
    public async Task AnthropicCompatible_ChatClient_IsTranslatedToMessagesWithXApiKey()
    {
        await using var upstream = await ProfileProbeUpstream.StartAsync();
        await using var server = await WardenTestServer.StartAsync(o => o with { EnableSimulator = false });
        server.AddChannel("anthropic-compatible", "probe-anthropic", new Uri(upstream.RootUrl, "v1/"), "key-anthropic", 0, "claude-like");

        var completion = (await server.Chat("claude-like").CompleteChatAsync("Say OK.")).Value;
        Assert.Equal("OK", completion.Content[0].Text);

        var seen = Assert.Single(upstream.Requests);
        Assert.Equal("/v1/messages", seen.Path);
        Assert.Equal("key-anthropic", seen.XApiKey);
        Assert.Equal("", seen.Authorization);
        Assert.NotEqual("", seen.AnthropicVersion);
    }

    [Theory]
    [InlineData("azure-openai")]
    [InlineData("openai-compatible")]
    [InlineData("anthropic-compatible")]
    public void Profile_WithoutARealDefaultBaseUrl_RefusesAChannelThatGivesNone(string id)
    {
        using var folder = new TempDirectory();
        var data = DataFolder.Open(folder.Path, null, TimeProvider.System);
        var refused = data.ChannelRegistrar.Add(new ChannelSpec("no-url", id, null, ["m"], 0, "key", AllowPrivateNetwork: false));
        Assert.Contains("base URL", refused.Problem, StringComparison.Ordinal);
        Assert.Null(data.ChannelRegistrar.Add(new ChannelSpec("with-url", id, "https://llm.example.com/v1/", ["m"], 0, "key", AllowPrivateNetwork: false)).Problem);
    }

    [Fact]
    public async Task ChannelsAddHelp_ListsEveryProfile()
    {
        var (_, output) = await CliTests.RunAsync("channels", "add", "--help");
        foreach (var profile in ProviderProfiles.All)
        {
            Assert.Contains(profile.Id, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ChannelsTestAndModels_ReportLatencyServedModelUsage_AndTheUpstreamsList()
    {
        await using var upstream = await ProfileProbeUpstream.StartAsync();
        using var folder = new TempDirectory();
        var data = DataFolder.Open(folder.Path, null, TimeProvider.System);
        Assert.Null(data.ChannelRegistrar.Add(new ChannelSpec("probe", "groq", new Uri(upstream.RootUrl, "openai/v1/").ToString(), ["llama-probe"], 0, "key-groq",
            AllowPrivateNetwork: true)).Problem);

        var (exit, output) = await CliTests.RunAsync("channels", "test", "probe", "--data", folder.Path);
        Assert.True(exit == 0, output);
        Assert.Matches(@"OK in \d+ ms: served by llama-probe, input 5, output 1 tokens\.", output);
        Assert.Equal("Bearer key-groq", upstream.Requests.Single().Authorization);

        (exit, output) = await CliTests.RunAsync("channels", "models", "probe", "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.Equal(["probe-a", "probe-b"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal("/openai/v1/models", upstream.Requests.Last().Path);

        (exit, output) = await CliTests.RunAsync("channels", "test", "no-such-channel", "--data", folder.Path);
        Assert.Equal(1, exit);
        Assert.Contains("No channel named", output, StringComparison.Ordinal);
    }
}
