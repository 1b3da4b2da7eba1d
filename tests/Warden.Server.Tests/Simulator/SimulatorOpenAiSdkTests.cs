using System.ClientModel;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;

namespace Warden.Server.Tests.Simulator;

/// <summary>The official OpenAI .NET SDK as a real client: proof that the wire shapes are accepted, not just parsed by us.</summary>
public sealed class SimulatorOpenAiSdkTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    [Fact]
    public async Task CompleteChatAsync_OfficialSdk_ReadsTextAndUsage()
    {
        var client = CreateClient("sim-small");

        ChatCompletion completion = await client.CompleteChatAsync(new UserChatMessage("Hello from the SDK"));

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.StartsWith("Simulated ", completion.Content[0].Text, StringComparison.Ordinal);
        Assert.Equal("sim-small", completion.Model);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
        Assert.Equal(0, completion.Usage.InputTokenDetails.CachedTokenCount);
    }

    [Fact]
    public async Task CompleteChatStreamingAsync_OfficialSdk_StreamsSameTextAndUsage()
    {
        var client = CreateClient("sim-reasoner");
        ChatCompletion whole = await client.CompleteChatAsync(new UserChatMessage("Stream via SDK"));
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;

        await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("Stream via SDK")))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal(whole.Content[0].Text, text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.Equal(whole.Usage.TotalTokenCount, usage.TotalTokenCount);
        Assert.True(usage.OutputTokenDetails.ReasoningTokenCount > 0);
    }

    [Fact]
    public async Task CompleteChatAsync_OfficialSdkWithTools_ReadsParallelToolCalls()
    {
        var client = CreateClient("sim-large");
        var options = new ChatCompletionOptions();
        options.Tools.Add(ChatTool.CreateFunctionTool("get_weather", "Weather", BinaryData.FromString("""{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}""")));
        options.Tools.Add(ChatTool.CreateFunctionTool("get_time", "Time", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}""")));

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("get_weather and get_time for me")], options);

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.Equal(["get_weather", "get_time"], completion.ToolCalls.Select(call => call.FunctionName));
        using var arguments = JsonDocument.Parse(completion.ToolCalls[0].FunctionArguments);
        Assert.Equal("Paris", arguments.RootElement.GetProperty("location").GetString());

        var streamed = new Dictionary<int, StringBuilder>();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("get_weather and get_time for me")], options))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                if (!streamed.TryGetValue(call.Index, out var builder))
                {
                    streamed[call.Index] = builder = new StringBuilder();
                }

                builder.Append(call.FunctionArgumentsUpdate?.ToString());
            }
        }

        Assert.Equal(completion.ToolCalls.Select(call => call.FunctionArguments.ToString()), streamed.OrderBy(p => p.Key).Select(p => p.Value.ToString()));
    }

    private ChatClient CreateClient(string model) =>
        new(model, new ApiKeyCredential("sk-unused"), new OpenAIClientOptions { Endpoint = fixture.Host.BaseUrl });
}
