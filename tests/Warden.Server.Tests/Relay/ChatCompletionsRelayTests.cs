using System.Net;
using System.Text.Json;
using OpenAI.Chat;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Relay;

/// <summary>The happy paths of <c>POST /v1/chat/completions</c>, driven by the official OpenAI .NET SDK and by raw HTTP.</summary>
public sealed class ChatCompletionsRelayTests(WardenFixture fixture) : IClassFixture<WardenFixture>
{
    private WardenTestServer Server => fixture.Server;

    [Fact]
    public async Task CompleteChat_WithOpenAISdk_ReturnsSimulatorAnswerAndRecordsReportedUsage()
    {
        var result = await Server.Chat("sim-small").CompleteChatAsync([new UserChatMessage("What is the capital of France?")]);
        var completion = result.Value;

        Assert.StartsWith("Simulated", completion.Content[0].Text, StringComparison.Ordinal);
        Assert.Equal("sim-small", completion.Model);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.True(completion.Usage.InputTokenCount > 0);
        Assert.True(completion.Usage.OutputTokenCount > 0);

        var raw = result.GetRawResponse();
        Assert.True(raw.Headers.TryGetValue("x-request-id", out string? requestId));
        Assert.True(raw.Headers.TryGetValue("Warden-Served-Model", out string? served));
        Assert.Equal("sim-small", served);

        var row = await Server.UsageForAsync(requestId!);
        Assert.Equal(7, Guid.Parse(row.Id).Version);
        Assert.Equal("sim-small", row.RequestedModel);
        Assert.Equal("sim-small", row.ServedModel);
        Assert.Equal(200, row.Status);
        Assert.Equal("completed", row.Outcome);
        Assert.False(row.Streamed);
        Assert.Equal(completion.Usage.InputTokenCount, row.InputTokens);
        Assert.Equal(completion.Usage.OutputTokenCount, row.OutputTokens);
        Assert.Equal("reported", row.UsageSource);
        Assert.NotNull(row.ChannelId);
        Assert.NotNull(row.KeyId);
        Assert.NotNull(row.TimeToFirstByteMs);
        Assert.NotNull(row.UpstreamRequestId);
    }

    [Fact]
    public async Task CompleteChatStreaming_WithOpenAISdk_StreamsTheSameAnswerWithUsage()
    {
        var client = Server.Chat("sim-large");
        var messages = new List<ChatMessage> { new UserChatMessage("Tell me about relays and trust.") };
        string expected = (await client.CompleteChatAsync(messages)).Value.Content[0].Text;

        var text = new System.Text.StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        int updates = 0;
        await foreach (var update in client.CompleteChatStreamingAsync(messages))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal(expected, text.ToString());
        Assert.True(updates > 3, "the answer arrives in several chunks");
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.True(usage!.OutputTokenCount > 0);
    }

    [Fact]
    public async Task CompleteChat_WithTool_RelaysToolCallsStreamedAndNot()
    {
        var options = new ChatCompletionOptions
        {
            Tools =
            {
                ChatTool.CreateFunctionTool("get_weather", "Current weather for a city",
                    BinaryData.FromString("""{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}""")),
            },
        };
        List<ChatMessage> messages = [new UserChatMessage("Use get_weather to tell me the weather in Paris.")];
        var client = Server.Chat("sim-small");

        var completion = (await client.CompleteChatAsync(messages, options)).Value;
        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArguments.ToString()).RootElement.GetProperty("location").GetString());

        var arguments = new System.Text.StringBuilder();
        string? name = null;
        await foreach (var update in client.CompleteChatStreamingAsync(messages, options))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                name ??= part.FunctionName;
                arguments.Append(part.FunctionArgumentsUpdate?.ToString());
            }
        }

        Assert.Equal("get_weather", name);
        Assert.Equal(call.FunctionArguments.ToString(), arguments.ToString());

        // The tool result round-trips: the follow-up gets a text answer.
        messages.Add(new AssistantChatMessage(completion));
        messages.Add(new ToolChatMessage(call.Id, """{"temperature_c":18}"""));
        var followUp = (await client.CompleteChatAsync(messages, options)).Value;
        Assert.Equal(ChatFinishReason.Stop, followUp.FinishReason);
        Assert.StartsWith("Simulated", followUp.Content[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_ClientDidNotAskForUsage_HidesUsageChunkButMetersFromUpstreamUsage()
    {
        using var response = await Server.Http.SendAsync(
            Requests.Chat(Server.DemoKey, Requests.Body("sim-small", "Stream me something without usage.", stream: true)),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        string requestId = response.Headers.GetValues("x-request-id").Single();

        var data = await Sse.ReadDataAsync(response);
        Assert.Equal("[DONE]", data[^1]);
        var chunks = Sse.JsonChunks(data).ToList();
        Assert.All(chunks, c => Assert.False(c.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object, "no usage shown to a client that did not ask"));
        Assert.Contains(chunks, c => c.GetProperty("choices").EnumerateArray().Any(ch => ch.GetProperty("finish_reason").ValueKind == JsonValueKind.String));

        var row = await Server.UsageForAsync(requestId);
        Assert.True(row.Streamed);
        Assert.Equal("reported", row.UsageSource);
        Assert.True(row.OutputTokens > 0);

        // The simulator saw Warden ask for usage, though the client did not.
        var journal = Server.App.Simulator!.Journal.Find(row.UpstreamRequestId!);
        Assert.NotNull(journal);
        Assert.True(journal!.IncludeUsage);
    }

    [Fact]
    public async Task Stream_ClientAskedForUsage_PassesUsageChunkThrough()
    {
        using var response = await Server.Http.SendAsync(
            Requests.Chat(Server.DemoKey, Requests.Body("sim-small", "Stream me something with usage.", stream: true, includeUsage: true)),
            HttpCompletionOption.ResponseHeadersRead);
        var data = await Sse.ReadDataAsync(response);
        var last = Sse.JsonChunks(data).Last();
        Assert.Equal(0, last.GetProperty("choices").GetArrayLength());
        Assert.True(last.GetProperty("usage").GetProperty("completion_tokens").GetInt64() > 0);
    }

    [Fact]
    public async Task Route_WithQueryString_IsIgnored()
    {
        using var response = await Server.Http.SendAsync(
            Requests.Chat(Server.DemoKey, Requests.Body("sim-small", "hi"), "v1/chat/completions?api-version=2024-10-21&beta=true"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task NonStreamed_ResponseBody_IsTheUpstreamsBytes()
    {
        // Same dialect on both sides: Warden relays the upstream's bytes without re-serialising them. The simulator's
        // field order and spacing survive, and the Content-Length matches the upstream's body exactly.
        string body = Requests.Body("sim-reasoner", "Explain caching.");
        using var response = await Server.Http.SendAsync(Requests.Chat(Server.DemoKey, body));
        byte[] relayed = await response.Content.ReadAsByteArrayAsync();
        var root = JsonDocument.Parse(relayed).RootElement;
        Assert.Equal(relayed.Length, response.Content.Headers.ContentLength);
        Assert.True(root.GetProperty("usage").GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt64() > 0);

        var row = await Server.UsageForAsync(response.Headers.GetValues("x-request-id").Single());
        Assert.Equal(root.GetProperty("usage").GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt64(), row.ReasoningTokens);
        Assert.Equal(root.GetProperty("usage").GetProperty("prompt_tokens").GetInt64(), row.InputTokens);
    }

    [Fact]
    public async Task LongPrompt_CachedTokensReported_AreRecorded()
    {
        var messages = new List<ChatMessage> { new SystemChatMessage(new string('x', 8000)), new UserChatMessage("And now a short question.") };
        var result = await Server.Chat("sim-small").CompleteChatAsync(messages);
        long cached = result.Value.Usage.InputTokenDetails.CachedTokenCount;
        Assert.True(cached > 0, "the simulator reports cached tokens for long prompts");
        Assert.True(result.GetRawResponse().Headers.TryGetValue("x-request-id", out string? requestId));
        var row = await Server.UsageForAsync(requestId!);
        Assert.Equal(cached, row.CachedTokens);
    }
}
