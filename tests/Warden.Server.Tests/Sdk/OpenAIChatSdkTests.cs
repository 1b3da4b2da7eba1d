using System.ClientModel;
using OpenAI;
using OpenAI.Chat;
using Warden.Server.Tests.Conformance;

namespace Warden.Server.Tests.Sdk;

/// <summary>The official OpenAI .NET SDK's chat client against every upstream kind (translated for all but Chat).</summary>
public sealed class OpenAIChatSdkTests(ConformanceFixture fixture) : IClassFixture<ConformanceFixture>
{
    public static TheoryData<string> Upstreams() => ["chat", "anthropic", "responses", "gemini"];

    [Theory]
    [MemberData(nameof(Upstreams))]
    public async Task CompleteChat_ReturnsTextAndUsage(string upstream)
    {
        ChatCompletion completion = await Client(upstream).CompleteChatAsync([new UserChatMessage("Hello from the chat SDK.")]);

        Assert.Equal("sim-small", completion.Model);
        Assert.NotEmpty(completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.True(completion.Usage.InputTokenCount > 0);
    }

    [Theory]
    [MemberData(nameof(Upstreams))]
    public async Task StreamingToolCalls_AssembleByIndex(string upstream)
    {
        var tool = ChatTool.CreateFunctionTool("get_time", "Local time in a zone",
            BinaryData.FromString("""{"type":"object","properties":{"zone":{"type":"string"}},"required":["zone"]}"""));
        var options = new ChatCompletionOptions { Tools = { tool } };
        var builder = new System.Text.StringBuilder();
        string? name = null;
        ChatFinishReason? finish = null;

        await foreach (var update in Client(upstream).CompleteChatStreamingAsync([new UserChatMessage("Call get_time for Asia/Tokyo.")], options))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                name ??= call.FunctionName;
                builder.Append(call.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal("get_time", name);
        Assert.Contains("zone", System.Text.Json.JsonDocument.Parse(builder.ToString()).RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
    }

    private ChatClient Client(string upstream)
    {
        var server = fixture.For(upstream);
        return new ChatClient("sim-small", new ApiKeyCredential(server.DemoKey), new OpenAIClientOptions { Endpoint = new Uri(server.Url, "v1") });
    }
}
