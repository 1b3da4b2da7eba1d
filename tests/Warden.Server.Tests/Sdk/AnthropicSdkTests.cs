using System.Text.Json;
using Anthropic;
using Anthropic.Models.Messages;
using Warden.Server.Tests.Conformance;

namespace Warden.Server.Tests.Sdk;

/// <summary>
/// The official Anthropic .NET SDK (13.12.0) as a real client, through Warden to the simulator: once to an Anthropic
/// upstream (bytes passed through) and once to an OpenAI-compatible upstream (translated).
/// </summary>
public sealed class AnthropicSdkTests(ConformanceFixture fixture) : IClassFixture<ConformanceFixture>
{
    public static TheoryData<string> Upstreams() => ["anthropic", "chat", "responses", "gemini"];

    [Theory]
    [MemberData(nameof(Upstreams))]
    public async Task Create_ReturnsTextAndUsage(string upstream)
    {
        var client = Client(upstream);

        var message = await client.Messages.Create(new MessageCreateParams
        {
            Model = "sim-small",
            MaxTokens = 512,
            Messages = [new UserMessageParam { Content = "Hello from the Anthropic SDK." }],
        });

        Assert.Equal("sim-small", message.Model);
        var text = string.Concat(message.Content.Select(b => b.TryPickText(out var t) ? t.Text : ""));
        Assert.NotEmpty(text);
        Assert.True(message.Usage.InputTokens > 0);
        Assert.True(message.Usage.OutputTokens > 0);
    }

    [Theory]
    [MemberData(nameof(Upstreams))]
    public async Task CreateStreaming_AssemblesTextAndStopReason(string upstream)
    {
        var client = Client(upstream);
        var text = new System.Text.StringBuilder();
        string? stopReason = null;
        long? outputTokens = null;
        int starts = 0;

        await foreach (var streamEvent in client.Messages.CreateStreaming(new MessageCreateParams
        {
            Model = "sim-small",
            MaxTokens = 512,
            Messages = [new UserMessageParam { Content = "Stream a greeting, please." }],
        }))
        {
            if (streamEvent.TryPickStart(out _))
            {
                starts++;
            }
            else if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta))
            {
                text.Append(textDelta.Text);
            }
            else if (streamEvent.TryPickDelta(out var messageDelta))
            {
                stopReason = messageDelta.Delta.StopReason?.ToString();
                outputTokens = messageDelta.Usage.OutputTokens;
            }
        }

        Assert.Equal(1, starts);
        Assert.NotEqual(0, text.Length);
        Assert.NotNull(stopReason);
        Assert.True(outputTokens > 0);
    }

    [Theory]
    [MemberData(nameof(Upstreams))]
    public async Task ToolUse_ComesBackAsAToolUseBlockWithParsedInput(string upstream)
    {
        var client = Client(upstream);
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}""");

        var message = await client.Messages.Create(new MessageCreateParams
        {
            Model = "sim-small",
            MaxTokens = 512,
            Messages = [new UserMessageParam { Content = "Use get_weather for Rome." }],
            Tools =
            [
                new Tool
                {
                    Name = "get_weather",
                    Description = "Weather for a city",
                    InputSchema = InputSchema.FromRawUnchecked(schema.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone())),
                },
            ],
        });

        var toolUse = Assert.Single(message.Content, b => b.TryPickToolUse(out _));
        Assert.True(toolUse.TryPickToolUse(out var block));
        Assert.Equal("get_weather", block.Name);
        Assert.True(block.Input.ContainsKey("location"));
        Assert.True(message.StopReason == StopReason.ToolUse, $"stop reason {message.StopReason}");
    }

    [Theory]
    [MemberData(nameof(Upstreams))]
    public async Task CountTokens_AnswersFromTheUpstreamOrAsALabelledEstimate(string upstream)
    {
        var client = Client(upstream);

        var count = await client.Messages.CountTokens(new MessageCountTokensParams
        {
            Model = "sim-small",
            Messages = [new UserMessageParam { Content = "How many tokens is this?" }],
        });

        Assert.True(count.InputTokens > 0);
    }

    private AnthropicClient Client(string upstream)
    {
        var server = fixture.For(upstream);
        return new AnthropicClient { ApiKey = server.DemoKey, BaseUrl = server.Url.ToString().TrimEnd('/'), MaxRetries = 0 };
    }
}
