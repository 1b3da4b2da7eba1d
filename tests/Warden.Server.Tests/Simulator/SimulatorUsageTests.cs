using System.Text.Json;
using System.Text.Json.Nodes;

namespace Warden.Server.Tests.Simulator;

public sealed class SimulatorUsageTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task ChatCompletions_ShortPrompt_CountsCharactersOverFourPlusFourPerMessage()
    {
        var request = new JsonObject
        {
            ["model"] = "sim-small",
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "Be brief." },
                new JsonObject { ["role"] = "user", ["content"] = "say hi" }),
        };

        using var completion = await SimulatorCalls.CompleteAsync(_client, request);

        var usage = completion.RootElement.GetProperty("usage");
        var content = SimulatorCalls.Content(completion);

        // ceil((9 + 6) / 4) + 2 * 4
        Assert.Equal(12, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal((content.Length + 3) / 4, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(12 + ((content.Length + 3) / 4), usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
    }

    [Fact]
    public async Task ChatCompletions_LongPrompt_ReportsCachedTokensInBlocksOf128()
    {
        var request = new JsonObject
        {
            ["model"] = "sim-large",
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = new string('x', 8000) },
                new JsonObject { ["role"] = "user", ["content"] = "hi" }),
        };

        using var completion = await SimulatorCalls.CompleteAsync(_client, request);

        var usage = completion.RootElement.GetProperty("usage");

        // prompt = ceil(8002 / 4) + 8 = 2009; before the last message: 2009 - (ceil(2 / 4) + 4) = 2004 -> 15 * 128
        Assert.Equal(2009, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(1920, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
    }

    [Fact]
    public async Task ChatCompletions_WithTools_AddsToolDefinitionTokensToPrompt()
    {
        using var plain = await SimulatorCalls.CompleteAsync(_client, SimulatorCalls.Request("no tools mentioned"));
        var withTools = SimulatorCalls.Request("no tools mentioned");
        var tools = SimulatorCalls.WeatherAndTimeTools();
        withTools["tools"] = tools;

        using var completion = await SimulatorCalls.CompleteAsync(_client, withTools);

        var toolTokens = (System.Text.Encoding.UTF8.GetByteCount(tools.ToJsonString()) + 3) / 4;
        Assert.Equal(
            plain.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() + toolTokens,
            completion.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task ChatCompletions_Reasoner_ReportsReasoningTokensInsideCompletionTokens()
    {
        using var completion = await SimulatorCalls.CompleteAsync(_client, SimulatorCalls.Request("Think first", model: "sim-reasoner"));

        var usage = completion.RootElement.GetProperty("usage");
        var visible = (SimulatorCalls.Content(completion).Length + 3) / 4;
        var reasoning = usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32();
        var reasoningText = SimulatorCalls.Message(completion).GetProperty("reasoning_content").GetString()!;
        Assert.InRange(reasoning, 2 * visible, (2 * visible) + 2);
        Assert.Equal((reasoningText.Length + 3) / 4, reasoning);
        Assert.Equal(visible + reasoning, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal("sim-reasoner", completion.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task ChatCompletions_ReasonerStreamed_SendsReasoningContentBeforeContent()
    {
        using var whole = await SimulatorCalls.CompleteAsync(_client, SimulatorCalls.Request("Reason in stream", model: "sim-reasoner"));

        var chunks = SimulatorCalls.ParseChunks(await SimulatorCalls.StreamAsync(
            _client,
            SimulatorCalls.Request("Reason in stream", model: "sim-reasoner", stream: true, includeUsage: true)));

        var kinds = chunks[1..^2]
            .Select(chunk => SimulatorCalls.Choice(chunk).GetProperty("delta").EnumerateObject().Single().Name)
            .ToList();
        var firstContent = kinds.IndexOf("content");
        Assert.True(firstContent > 0, "reasoning chunks come first");
        Assert.All(kinds[..firstContent], kind => Assert.Equal("reasoning_content", kind));
        Assert.All(kinds[firstContent..], kind => Assert.Equal("content", kind));
        Assert.Equal(SimulatorCalls.Message(whole).GetProperty("reasoning_content").GetString(), SimulatorCalls.Concat(chunks, "reasoning_content"));
        Assert.Equal(SimulatorCalls.Content(whole), SimulatorCalls.Concat(chunks, "content"));
        Assert.Equal(
            whole.RootElement.GetProperty("usage").GetRawText(),
            chunks[^1].RootElement.GetProperty("usage").GetRawText());
    }

    [Fact]
    public async Task ChatCompletions_ReasonerWithTightCap_KeepsReasoningAndContentWithinMaxTokens()
    {
        var request = SimulatorCalls.Request("Tight budget", model: "sim-reasoner");
        request["max_completion_tokens"] = 12;

        using var completion = await SimulatorCalls.CompleteAsync(_client, request);

        var usage = completion.RootElement.GetProperty("usage");
        Assert.Equal("length", SimulatorCalls.Choice(completion).GetProperty("finish_reason").GetString());
        Assert.InRange(usage.GetProperty("completion_tokens").GetInt32(), 1, 12);
        Assert.True(usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task ChatCompletions_NonReasoner_SendsNoReasoningContent()
    {
        using var completion = await SimulatorCalls.CompleteAsync(_client, SimulatorCalls.Request("plain", model: "sim-large"));

        Assert.False(SimulatorCalls.Message(completion).TryGetProperty("reasoning_content", out _));
        Assert.Equal(JsonValueKind.Number, completion.RootElement.GetProperty("usage").GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").ValueKind);
    }
}
