using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

public sealed class SimulatorAnthropicTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task Messages_Text_AnswersInAnthropicShapeWithChatsText()
    {
        using var message = await SimulatorDialectCalls.CompleteAsync(_client, "messages", SimulatorDialectCalls.Anthropic("tell me about rivers"));
        var root = message.RootElement;

        Assert.StartsWith("msg_", root.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("message", root.GetProperty("type").GetString());
        Assert.Equal("assistant", root.GetProperty("role").GetString());
        Assert.Equal("sim-small", root.GetProperty("model").GetString());
        Assert.Equal("end_turn", root.GetProperty("stop_reason").GetString());
        var block = Assert.Single(root.GetProperty("content").EnumerateArray());
        Assert.Equal("text", block.GetProperty("type").GetString());
        Assert.Equal(await SimulatorDialectCalls.ChatTextAsync(_client, "tell me about rivers"), block.GetProperty("text").GetString());
        var usage = root.GetProperty("usage");
        Assert.True(usage.GetProperty("input_tokens").GetInt32() > 0);
        Assert.Equal(0, usage.GetProperty("cache_read_input_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("cache_creation_input_tokens").GetInt32());
        Assert.True(usage.GetProperty("output_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task Messages_BetaQueryAndHeaders_RouteOnPathOnly()
    {
        using var response = await SimulatorDialectCalls.PostAsync(
            _client,
            "messages?beta=true",
            SimulatorDialectCalls.Anthropic("hi"),
            null,
            ("anthropic-version", "2023-06-01"),
            ("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var entry = await SimulatorDialectCalls.EntryAsync(fixture, response);
        Assert.Equal("anthropic", entry.Dialect);
    }

    [Fact]
    public async Task Messages_MissingMaxTokens_Returns400InAnthropicShape()
    {
        var request = SimulatorDialectCalls.Anthropic("hi");
        request.Remove("max_tokens");

        using var response = await SimulatorDialectCalls.PostAsync(_client, "messages", request);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("error", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("invalid_request_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(SimulatorCalls.ReadId(response), body.RootElement.GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task Messages_Stream_SendsEventsInAnthropicOrder()
    {
        var events = await SimulatorDialectCalls.StreamAsync(_client, "messages", SimulatorDialectCalls.Anthropic("stream rivers", stream: true));

        var names = events.Select(e => e.Name).ToList();
        Assert.Equal(["message_start", "ping", "content_block_start"], names[..3]);
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], names[^3..]);
        Assert.True(names.Count(n => n == "content_block_delta") >= 2);
        Assert.All(events, e =>
        {
            using var data = e.Parse();
            Assert.Equal(e.Name, data.RootElement.GetProperty("type").GetString());
        });
        var text = new StringBuilder();
        foreach (var e in events.Where(e => e.Name == "content_block_delta"))
        {
            using var data = e.Parse();
            Assert.Equal("text_delta", data.RootElement.GetProperty("delta").GetProperty("type").GetString());
            text.Append(data.RootElement.GetProperty("delta").GetProperty("text").GetString());
        }

        Assert.Equal(await SimulatorDialectCalls.ChatTextAsync(_client, "stream rivers"), text.ToString());
        using var delta = events[^2].Parse();
        Assert.Equal("end_turn", delta.RootElement.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.True(delta.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task Messages_ToolNamed_ReturnsToolUseWithChatsArguments()
    {
        var request = SimulatorDialectCalls.Anthropic("please call get_weather now");
        request["tools"] = SimulatorDialectCalls.AnthropicTools();
        var chatRequest = SimulatorCalls.Request("please call get_weather now");
        chatRequest["tools"] = SimulatorCalls.WeatherAndTimeTools();

        using var message = await SimulatorDialectCalls.CompleteAsync(_client, "messages", request);
        using var chat = await SimulatorCalls.CompleteAsync(_client, chatRequest);

        Assert.Equal("tool_use", message.RootElement.GetProperty("stop_reason").GetString());
        var block = Assert.Single(message.RootElement.GetProperty("content").EnumerateArray());
        Assert.Equal("tool_use", block.GetProperty("type").GetString());
        Assert.StartsWith("toolu_", block.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("get_weather", block.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Object, block.GetProperty("input").ValueKind);
        var chatArguments = SimulatorCalls.Message(chat).GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments").GetString()!;
        using var expected = JsonDocument.Parse(chatArguments);
        Assert.True(JsonElement.DeepEquals(expected.RootElement, block.GetProperty("input")));
    }

    [Fact]
    public async Task Messages_ToolStreamed_SendsInputJsonInSeveralFragments()
    {
        var request = SimulatorDialectCalls.Anthropic("use get_time please", stream: true);
        request["tools"] = SimulatorDialectCalls.AnthropicTools();

        var events = await SimulatorDialectCalls.StreamAsync(_client, "messages", request);

        using var start = events.Single(e => e.Name == "content_block_start").Parse();
        Assert.Equal("tool_use", start.RootElement.GetProperty("content_block").GetProperty("type").GetString());
        var fragments = events.Where(e => e.Name == "content_block_delta").Select(e =>
        {
            using var data = e.Parse();
            Assert.Equal("input_json_delta", data.RootElement.GetProperty("delta").GetProperty("type").GetString());
            return data.RootElement.GetProperty("delta").GetProperty("partial_json").GetString()!;
        }).ToList();
        Assert.True(fragments.Count >= 2);
        using var input = JsonDocument.Parse(string.Concat(fragments));
        Assert.True(input.RootElement.TryGetProperty("city", out _));
        using var delta = events.Single(e => e.Name == "message_delta").Parse();
        Assert.Equal("tool_use", delta.RootElement.GetProperty("delta").GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task Messages_Thinking_AnswersThinkingFirstWithVerifiableSignature()
    {
        var request = SimulatorDialectCalls.Anthropic("think about rivers");
        request["thinking"] = new JsonObject { ["type"] = "enabled", ["budget_tokens"] = 1024 };

        using var message = await SimulatorDialectCalls.CompleteAsync(_client, "messages", request);

        var content = message.RootElement.GetProperty("content");
        Assert.Equal(2, content.GetArrayLength());
        var thinking = content[0];
        Assert.Equal("thinking", thinking.GetProperty("type").GetString());
        Assert.True(SimulatorReasoningSeal.VerifySignature(SimulatorDialect.Anthropic, thinking.GetProperty("thinking").GetString()!, thinking.GetProperty("signature").GetString()!));
        Assert.Equal("text", content[1].GetProperty("type").GetString());
    }

    [Fact]
    public async Task Messages_ThinkingStreamed_SendsThinkingDeltasThenSignatureDelta()
    {
        var request = SimulatorDialectCalls.Anthropic("think in a stream", model: "sim-reasoner", stream: true);

        var events = await SimulatorDialectCalls.StreamAsync(_client, "messages", request);

        var deltas = events.Where(e => e.Name == "content_block_delta").Select(e => JsonNode.Parse(e.Data)!).ToList();
        var thinkingBlock = deltas.Where(d => (int)d["index"]! == 0).Select(d => d["delta"]!).ToList();
        Assert.True(thinkingBlock.Count >= 2);
        Assert.All(thinkingBlock[..^1], d => Assert.Equal("thinking_delta", (string)d["type"]!));
        Assert.Equal("signature_delta", (string)thinkingBlock[^1]["type"]!);
        var thinkingText = string.Concat(thinkingBlock[..^1].Select(d => (string)d["thinking"]!));
        Assert.True(SimulatorReasoningSeal.VerifySignature(SimulatorDialect.Anthropic, thinkingText, (string)thinkingBlock[^1]["signature"]!));
        Assert.Contains(deltas, d => (int)d["index"]! == 1 && (string)d["delta"]!["type"]! == "text_delta");
    }

    [Fact]
    public async Task Messages_EchoedThinkingIntact_Verifies()
    {
        var (history, _) = await ThinkingToolTurnAsync();

        using var response = await SimulatorDialectCalls.PostAsync(_client, "messages", history);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var entry = await SimulatorDialectCalls.EntryAsync(fixture, response);
        Assert.Equal(1, entry.EchoedReasoning);
        Assert.True(entry.ReasoningVerified);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("end_turn", body.RootElement.GetProperty("stop_reason").GetString());
    }

    [Theory]
    [InlineData("signature")]
    [InlineData("thinking")]
    public async Task Messages_EchoedThinkingTamperedByOneByte_Returns400(string field)
    {
        var (history, thinking) = await ThinkingToolTurnAsync();
        var original = (string)thinking[field]!;
        thinking[field] = (original[0] == 'A' ? 'B' : 'A') + original[1..];

        using var response = await SimulatorDialectCalls.PostAsync(_client, "messages", history);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("thinking block signature is invalid", body.RootElement.GetProperty("error").GetProperty("message").GetString());
        var entry = await SimulatorDialectCalls.EntryAsync(fixture, response);
        Assert.Equal(1, entry.EchoedReasoning);
        Assert.False(entry.ReasoningVerified);
        Assert.Equal(SimulatorOutcome.Rejected, entry.Outcome);
    }

    [Fact]
    public async Task Messages_LongPrompt_InputTokensExcludeCacheRead()
    {
        var prompt = SimulatorDialectCalls.LongText() + " and the last question";
        var request = SimulatorDialectCalls.Anthropic(prompt);
        request["messages"] = new JsonArray(
            new JsonObject { ["role"] = "user", ["content"] = SimulatorDialectCalls.LongText() },
            new JsonObject { ["role"] = "assistant", ["content"] = "noted" },
            new JsonObject { ["role"] = "user", ["content"] = "and the last question" });

        using var message = await SimulatorDialectCalls.CompleteAsync(_client, "messages", request);
        using var response = await SimulatorDialectCalls.PostAsync(_client, "messages", request);
        var entry = await SimulatorDialectCalls.EntryAsync(fixture, response);

        var usage = message.RootElement.GetProperty("usage");
        var cacheRead = usage.GetProperty("cache_read_input_tokens").GetInt32();
        Assert.True(cacheRead > 0);
        Assert.Equal(entry.Usage!.CachedTokens, cacheRead);
        Assert.Equal(entry.Usage.PromptTokens, usage.GetProperty("input_tokens").GetInt32() + cacheRead);
        Assert.Equal(entry.Usage.CompletionTokens, usage.GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task CountTokens_ReturnsInputTokensOfTheWholePrompt()
    {
        var request = SimulatorDialectCalls.Anthropic("count these words for me");
        request.Remove("max_tokens");

        using var count = await SimulatorDialectCalls.CompleteAsync(_client, "messages/count_tokens?beta=true", request);
        request["max_tokens"] = 100;
        using var message = await SimulatorDialectCalls.CompleteAsync(_client, "messages", request);

        Assert.Single(count.RootElement.EnumerateObject());
        Assert.Equal(message.RootElement.GetProperty("usage").GetProperty("input_tokens").GetInt32(), count.RootElement.GetProperty("input_tokens").GetInt32());
    }

    [Theory]
    [InlineData("429", 429, "rate_limit_error", null)]
    [InlineData("429-5", 429, "rate_limit_error", "5")]
    [InlineData("529", 529, "overloaded_error", null)]
    [InlineData("500", 500, "api_error", null)]
    public async Task Messages_ErrorFault_AnswersInAnthropicErrorShape(string fault, int status, string type, string? retryAfter)
    {
        using var response = await SimulatorDialectCalls.PostAsync(_client, "messages", SimulatorDialectCalls.Anthropic("hi"), fault);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(retryAfter, response.Headers.TryGetValues("Retry-After", out var values) ? values.Single() : null);
        Assert.Equal("error", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(type, body.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.StartsWith("simreq_", body.RootElement.GetProperty("request_id").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_MidstreamError_SendsErrorEventAfterSomeOutput()
    {
        var events = await SimulatorDialectCalls.StreamAsync(_client, "messages", SimulatorDialectCalls.Anthropic("fail halfway", stream: true), "midstream-error");

        Assert.Contains(events, e => e.Name == "content_block_delta");
        Assert.Equal("error", events[^1].Name);
        Assert.DoesNotContain(events, e => e.Name == "message_stop");
        using var error = events[^1].Parse();
        Assert.Equal("overloaded_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Messages_DisconnectMidStream_AbortsAfterNDeltas()
    {
        using var response = await SimulatorDialectCalls.PostAsync(_client, "messages", SimulatorDialectCalls.Anthropic("cut me off", stream: true), "disconnect-2");
        var events = new List<SseEvent>();

        var failure = await SimulatorDialectCalls.ReadEventsUntilEndAsync(response, events);

        Assert.IsAssignableFrom<IOException>(failure);
        Assert.Equal(2, events.Count(e => e.Name == "content_block_delta"));
        Assert.DoesNotContain(events, e => e.Name == "message_stop");
        Assert.Equal(SimulatorOutcome.Faulted, (await SimulatorDialectCalls.EntryAsync(fixture, response)).Outcome);
    }

    [Fact]
    public async Task Messages_Malformed_SendsBrokenNamedEvent()
    {
        var events = await SimulatorDialectCalls.StreamAsync(_client, "messages", SimulatorDialectCalls.Anthropic("break", stream: true), "malformed");

        Assert.Equal("content_block_delta", events[^1].Name);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(events[^1].Data));
    }

    /// <summary>A first turn with thinking and a tool call, and the history that sends it back with the tool result.</summary>
    private async Task<(JsonObject History, JsonObject Thinking)> ThinkingToolTurnAsync()
    {
        var request = SimulatorDialectCalls.Anthropic("run get_time for me");
        request["tools"] = SimulatorDialectCalls.AnthropicTools();
        request["thinking"] = new JsonObject { ["type"] = "adaptive" };
        using var first = await SimulatorDialectCalls.CompleteAsync(_client, "messages", request);
        var content = JsonNode.Parse(first.RootElement.GetProperty("content").GetRawText())!.AsArray();
        var thinking = content[0]!.AsObject();
        Assert.Equal("thinking", (string)thinking["type"]!);
        var toolUse = content[1]!;
        var messages = request["messages"]!.AsArray();
        messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = content });
        messages.Add(new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray(new JsonObject
            {
                ["type"] = "tool_result",
                ["tool_use_id"] = (string)toolUse["id"]!,
                ["content"] = "12:00",
            }),
        });
        return (request, thinking);
    }
}
