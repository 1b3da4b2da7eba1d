#pragma warning disable OPENAI001 // The Responses client is marked experimental in the OpenAI SDK.

using System.ClientModel;
using OpenAI.Responses;
using Warden.Server.Tests.Conformance;

namespace Warden.Server.Tests.Sdk;

/// <summary>
/// The official OpenAI .NET SDK's Responses client (2.15.0), through Warden to the simulator: to a Responses upstream
/// (bytes passed through) and to every other upstream kind (translated).
/// </summary>
public sealed class OpenAIResponsesSdkTests(ConformanceFixture fixture) : IClassFixture<ConformanceFixture>
{
    public static TheoryData<string> Upstreams() => ["responses", "chat", "anthropic", "gemini"];

    [Theory]
    [MemberData(nameof(Upstreams))]
    public async Task CreateResponse_ReturnsOutputTextAndUsage(string upstream)
    {
        var client = Client(upstream);

        ResponseResult response = await client.CreateResponseAsync(new CreateResponseOptions("sim-small", [ResponseItem.CreateUserMessageItem("Hello from the Responses SDK.")])
        {
            StoredOutputEnabled = false,
        });

        Assert.Equal("sim-small", response.Model);
        Assert.NotEmpty(response.GetOutputText());
        Assert.True(response.Usage.InputTokenCount > 0);
        Assert.True(response.Usage.OutputTokenCount > 0);
    }

    [Theory]
    [MemberData(nameof(Upstreams))]
    public async Task Streaming_DeliversDeltasAndACompletedResponse(string upstream)
    {
        var client = Client(upstream);
        var text = new System.Text.StringBuilder();
        ResponseResult? completed = null;

        await foreach (var update in await client.CreateResponseStreamingAsync(new CreateResponseOptions("sim-small", [ResponseItem.CreateUserMessageItem("Stream a greeting.")])
        {
            StoredOutputEnabled = false,
            StreamingEnabled = true,
        }))
        {
            switch (update)
            {
                case StreamingResponseOutputTextDeltaUpdate delta:
                    text.Append(delta.Delta);
                    break;
                case StreamingResponseCompletedUpdate done:
                    completed = done.Response;
                    break;
                default:
                    break;
            }
        }

        Assert.NotEqual(0, text.Length);
        Assert.NotNull(completed);
        Assert.Equal(text.ToString(), completed.GetOutputText());
        Assert.True(completed.Usage.OutputTokenCount > 0);
    }

    [Theory]
    [MemberData(nameof(Upstreams))]
    public async Task FunctionCall_RoundTripsThroughFunctionCallOutput(string upstream)
    {
        var client = Client(upstream);
        var tool = ResponseTool.CreateFunctionTool(
            "get_weather", BinaryData.FromString("""{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}"""),
            strictModeEnabled: false, functionDescription: "Weather for a city");
        var input = new List<ResponseItem> { ResponseItem.CreateUserMessageItem("Use get_weather for Nairobi.") };

        ResponseResult first = await client.CreateResponseAsync(new CreateResponseOptions("sim-small", input) { Tools = { tool }, StoredOutputEnabled = false });
        var call = Assert.Single(first.OutputItems.OfType<FunctionCallResponseItem>());
        Assert.Equal("get_weather", call.FunctionName);

        input.AddRange(first.OutputItems);
        input.Add(ResponseItem.CreateFunctionCallOutputItem(call.CallId, "31 degrees"));
        ResponseResult second = await client.CreateResponseAsync(new CreateResponseOptions("sim-small", input) { Tools = { tool }, StoredOutputEnabled = false });

        Assert.Empty(second.OutputItems.OfType<FunctionCallResponseItem>());
        Assert.NotEmpty(second.GetOutputText());
    }

    private ResponsesClient Client(string upstream)
    {
        var server = fixture.For(upstream);
        return new ResponsesClient(new ApiKeyCredential(server.DemoKey), new ResponsesClientOptions { Endpoint = new Uri(server.Url, "v1") });
    }
}
