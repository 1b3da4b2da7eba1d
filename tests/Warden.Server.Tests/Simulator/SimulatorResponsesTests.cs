using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

public sealed class SimulatorResponsesTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task Responses_Text_AnswersWithMessageItemAndChatsText()
    {
        using var response = await SimulatorDialectCalls.CompleteAsync(_client, "responses", SimulatorDialectCalls.Responses("tell me about rivers"));
        var root = response.RootElement;

        Assert.StartsWith("resp_", root.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("response", root.GetProperty("object").GetString());
        Assert.Equal("completed", root.GetProperty("status").GetString());
        var item = Assert.Single(root.GetProperty("output").EnumerateArray());
        Assert.Equal("message", item.GetProperty("type").GetString());
        Assert.StartsWith("msg_", item.GetProperty("id").GetString(), StringComparison.Ordinal);
        var part = Assert.Single(item.GetProperty("content").EnumerateArray());
        Assert.Equal("output_text", part.GetProperty("type").GetString());
        var expected = await SimulatorDialectCalls.ChatTextAsync(_client, "tell me about rivers");
        Assert.Equal(expected, part.GetProperty("text").GetString());
        Assert.Equal(expected, root.GetProperty("output_text").GetString());
    }

    [Fact]
    public async Task Responses_StringInput_IsOneUserMessage()
    {
        var request = new JsonObject { ["model"] = "sim-small", ["input"] = "tell me about rivers" };

        using var response = await SimulatorDialectCalls.CompleteAsync(_client, "responses", request);

        Assert.Equal(await SimulatorDialectCalls.ChatTextAsync(_client, "tell me about rivers"), response.RootElement.GetProperty("output_text").GetString());
    }

    [Fact]
    public async Task Responses_Stream_SendsSequencedEventsEndingInCompleted()
    {
        var events = await SimulatorDialectCalls.StreamAsync(_client, "responses", SimulatorDialectCalls.Responses("stream rivers", stream: true));

        var names = events.Select(e => e.Name).ToList();
        Assert.Equal(
            ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"],
            names[..4]);
        Assert.Equal(
            ["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"],
            names[^4..]);
        var sequence = 0;
        var text = new StringBuilder();
        foreach (var e in events)
        {
            using var data = e.Parse();
            Assert.Equal(e.Name, data.RootElement.GetProperty("type").GetString());
            Assert.Equal(sequence++, data.RootElement.GetProperty("sequence_number").GetInt32());
            if (e.Name == "response.output_text.delta")
            {
                text.Append(data.RootElement.GetProperty("delta").GetString());
            }
        }

        Assert.Equal(await SimulatorDialectCalls.ChatTextAsync(_client, "stream rivers"), text.ToString());
        using var completed = events[^1].Parse();
        var usage = completed.RootElement.GetProperty("response").GetProperty("usage");
        Assert.Equal(
            usage.GetProperty("input_tokens").GetInt32() + usage.GetProperty("output_tokens").GetInt32(),
            usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32());
    }

    [Fact]
    public async Task Responses_ToolStreamed_SendsFunctionCallItemWithArgumentDeltas()
    {
        var request = SimulatorDialectCalls.Responses("call get_time and get_weather", stream: true);
        request["tools"] = SimulatorDialectCalls.ResponsesTools();

        var events = await SimulatorDialectCalls.StreamAsync(_client, "responses", request);

        var done = events.Where(e => e.Name == "response.output_item.done").Select(e => JsonNode.Parse(e.Data)!["item"]!).ToList();
        Assert.Equal(["get_time", "get_weather"], done.Select(item => (string)item["name"]!));
        foreach (var item in done)
        {
            Assert.Equal("function_call", (string)item["type"]!);
            Assert.Equal("completed", (string)item["status"]!);
            Assert.StartsWith("fc_", (string)item["id"]!, StringComparison.Ordinal);
            Assert.StartsWith("call_", (string)item["call_id"]!, StringComparison.Ordinal);
            var deltas = events.Where(e => e.Name == "response.function_call_arguments.delta")
                .Select(e => JsonNode.Parse(e.Data)!)
                .Where(d => (string)d["item_id"]! == (string)item["id"]!)
                .Select(d => (string)d["delta"]!)
                .ToList();
            Assert.True(deltas.Count >= 2);
            Assert.Equal((string)item["arguments"]!, string.Concat(deltas));
        }
    }

    [Fact]
    public async Task Responses_CodexShapes_NamespaceFunctionsAreCallableAndWebSearchIsNot()
    {
        var request = SimulatorDialectCalls.Responses("please spawn_agent and web_search");
        request["tools"] = JsonNode.Parse("""
            [{"type":"namespace","name":"multi_agent_v1","description":"Sub-agents.","tools":[
               {"type":"function","name":"spawn_agent","description":"Spawn","parameters":{"type":"object","properties":{"task":{"type":"string"}},"required":["task"]}}]},
             {"type":"web_search","external_web_access":true}]
            """);
        request["input"]!.AsArray().Insert(0, new JsonObject
        {
            ["type"] = "message",
            ["role"] = "developer",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = "be brief" }),
        });

        using var response = await SimulatorDialectCalls.CompleteAsync(_client, "responses", request);

        var call = Assert.Single(response.RootElement.GetProperty("output").EnumerateArray());
        Assert.Equal("function_call", call.GetProperty("type").GetString());
        Assert.Equal("spawn_agent", call.GetProperty("name").GetString());
        using var arguments = JsonDocument.Parse(call.GetProperty("arguments").GetString()!);
        Assert.Equal(JsonValueKind.String, arguments.RootElement.GetProperty("task").ValueKind);
    }

    [Fact]
    public async Task Responses_Reasoning_AnswersReasoningItemWithVerifiableEncryptedContent()
    {
        var request = SimulatorDialectCalls.Responses("think about rivers");
        request["reasoning"] = new JsonObject { ["effort"] = "medium", ["summary"] = "auto" };

        using var response = await SimulatorDialectCalls.CompleteAsync(_client, "responses", request);

        var output = response.RootElement.GetProperty("output");
        var reasoning = output[0];
        Assert.Equal("reasoning", reasoning.GetProperty("type").GetString());
        Assert.StartsWith("rs_", reasoning.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("summary_text", reasoning.GetProperty("summary")[0].GetProperty("type").GetString());
        Assert.True(SimulatorReasoningSeal.VerifySeal(SimulatorDialect.Responses, reasoning.GetProperty("encrypted_content").GetString()!));
        Assert.Equal("message", output[1].GetProperty("type").GetString());
        var usage = response.RootElement.GetProperty("usage");
        Assert.True(usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32() > 0);
        Assert.True(usage.GetProperty("output_tokens").GetInt32() > usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32());
    }

    [Fact]
    public async Task Responses_ReasoningStreamed_SendsSummaryEvents()
    {
        var request = SimulatorDialectCalls.Responses("think in a stream", model: "sim-reasoner", stream: true);

        var events = await SimulatorDialectCalls.StreamAsync(_client, "responses", request);

        var names = events.Select(e => e.Name).ToList();
        Assert.Equal("response.reasoning_summary_part.added", names[3]);
        Assert.Contains("response.reasoning_summary_text.delta", names);
        Assert.True(names.IndexOf("response.reasoning_summary_part.done") < names.IndexOf("response.content_part.added"));
        using var done = events.First(e => e.Name == "response.output_item.done").Parse();
        var item = done.RootElement.GetProperty("item");
        var summary = item.GetProperty("summary")[0].GetProperty("text").GetString();
        var streamed = string.Concat(events.Where(e => e.Name == "response.reasoning_summary_text.delta").Select(e => (string)JsonNode.Parse(e.Data)!["delta"]!));
        Assert.Equal(summary, streamed);
        Assert.True(SimulatorReasoningSeal.VerifySeal(SimulatorDialect.Responses, item.GetProperty("encrypted_content").GetString()!));
    }

    [Fact]
    public async Task Responses_EchoedReasoningIntact_Verifies()
    {
        var (history, _) = await ReasoningToolTurnAsync();

        using var response = await SimulatorDialectCalls.PostAsync(_client, "responses", history);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var entry = await SimulatorDialectCalls.EntryAsync(fixture, response);
        Assert.Equal("responses", entry.Dialect);
        Assert.Equal(1, entry.EchoedReasoning);
        Assert.True(entry.ReasoningVerified);
    }

    [Fact]
    public async Task Responses_EchoedReasoningTamperedByOneByte_Returns400()
    {
        var (history, reasoning) = await ReasoningToolTurnAsync();
        var bytes = Convert.FromBase64String((string)reasoning["encrypted_content"]!);
        bytes[^1] ^= 1;
        reasoning["encrypted_content"] = Convert.ToBase64String(bytes);

        using var response = await SimulatorDialectCalls.PostAsync(_client, "responses", history);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await SimulatorDialectCalls.ReadErrorAsync(response);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.False((await SimulatorDialectCalls.EntryAsync(fixture, response)).ReasoningVerified);
    }

    [Fact]
    public async Task Responses_LongPrompt_ReportsCachedTokensInsideInputTokens()
    {
        var request = SimulatorDialectCalls.Responses("and the last question");
        request["instructions"] = SimulatorDialectCalls.LongText();

        using var response = await SimulatorDialectCalls.CompleteAsync(_client, "responses", request);

        var usage = response.RootElement.GetProperty("usage");
        var cached = usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt32();
        Assert.True(cached > 0);
        Assert.True(usage.GetProperty("input_tokens").GetInt32() > cached);
    }

    [Theory]
    [InlineData("429-3", 429, "3")]
    [InlineData("529", 529, null)]
    public async Task Responses_ErrorFault_AnswersInOpenAIErrorShape(string fault, int status, string? retryAfter)
    {
        using var response = await SimulatorDialectCalls.PostAsync(_client, "responses", SimulatorDialectCalls.Responses("hi"), fault);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(retryAfter, response.Headers.TryGetValues("Retry-After", out var values) ? values.Single() : null);
        var error = await SimulatorDialectCalls.ReadErrorAsync(response);
        Assert.True(error.TryGetProperty("message", out _));
        Assert.True(error.TryGetProperty("code", out _));
    }

    [Fact]
    public async Task Responses_MidstreamError_SendsResponseFailedAfterSomeOutput()
    {
        var events = await SimulatorDialectCalls.StreamAsync(_client, "responses", SimulatorDialectCalls.Responses("fail halfway", stream: true), "midstream-error");

        Assert.Contains(events, e => e.Name == "response.output_text.delta");
        Assert.Equal("response.failed", events[^1].Name);
        using var failed = events[^1].Parse();
        Assert.Equal("failed", failed.RootElement.GetProperty("response").GetProperty("status").GetString());
        Assert.Equal("server_error", failed.RootElement.GetProperty("response").GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Responses_DisconnectMidStream_AbortsWithoutCompleted()
    {
        using var response = await SimulatorDialectCalls.PostAsync(_client, "responses", SimulatorDialectCalls.Responses("cut me off", stream: true), "disconnect-1");
        var events = new List<SseEvent>();

        var failure = await SimulatorDialectCalls.ReadEventsUntilEndAsync(response, events);

        Assert.IsAssignableFrom<IOException>(failure);
        Assert.Single(events, e => e.Name == "response.output_text.delta");
        Assert.DoesNotContain(events, e => e.Name == "response.completed");
    }

    /// <summary>A first turn with a reasoning item and a function call, and the Codex-style history that sends both back with the output.</summary>
    private async Task<(JsonObject History, JsonObject Reasoning)> ReasoningToolTurnAsync()
    {
        var request = SimulatorDialectCalls.Responses("run get_time for me");
        request["tools"] = SimulatorDialectCalls.ResponsesTools();
        request["reasoning"] = new JsonObject { ["summary"] = "auto" };
        request["include"] = new JsonArray("reasoning.encrypted_content");
        using var first = await SimulatorDialectCalls.CompleteAsync(_client, "responses", request);
        var output = JsonNode.Parse(first.RootElement.GetProperty("output").GetRawText())!.AsArray();
        var reasoning = output[0]!.AsObject();
        Assert.Equal("reasoning", (string)reasoning["type"]!);
        var call = output[1]!.AsObject();
        var input = request["input"]!.AsArray();
        input.Add(reasoning.DeepClone());
        input.Add(call.DeepClone());
        input.Add(new JsonObject { ["type"] = "function_call_output", ["call_id"] = (string)call["call_id"]!, ["output"] = "12:00" });
        return (request, input[^3]!.AsObject());
    }
}
