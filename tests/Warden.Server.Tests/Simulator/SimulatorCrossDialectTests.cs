using System.Text.Json;
using System.Text.Json.Nodes;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

/// <summary>The same conversation gets the same answer in every dialect, so tests can compare them through a relay.</summary>
public sealed class SimulatorCrossDialectTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Theory]
    [InlineData("sim-small")]
    [InlineData("sim-reasoner")]
    public async Task SamePrompt_SameTextInAllFourDialects(string model)
    {
        const string Prompt = "compare the dialects";
        var chat = await SimulatorDialectCalls.ChatTextAsync(_client, Prompt, model);

        using var anthropic = await SimulatorDialectCalls.CompleteAsync(_client, "messages", SimulatorDialectCalls.Anthropic(Prompt, model));
        using var responses = await SimulatorDialectCalls.CompleteAsync(_client, "responses", SimulatorDialectCalls.Responses(Prompt, model));
        using var gemini = await SimulatorDialectCalls.CompleteAsync(_client, fixture.Host.GeminiBaseUrl + "models/" + model + ":generateContent", SimulatorDialectCalls.Gemini(Prompt));

        Assert.Equal(chat, anthropic.RootElement.GetProperty("content").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "text").GetProperty("text").GetString());
        Assert.Equal(chat, responses.RootElement.GetProperty("output_text").GetString());
        Assert.Equal(chat, gemini.RootElement.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task SameToolPrompt_SameCallsInAllFourDialects()
    {
        const string Prompt = "use get_weather then get_time";
        var chatRequest = SimulatorCalls.Request(Prompt);
        chatRequest["tools"] = SimulatorCalls.WeatherAndTimeTools();
        var anthropicRequest = SimulatorDialectCalls.Anthropic(Prompt);
        anthropicRequest["tools"] = SimulatorDialectCalls.AnthropicTools();
        var responsesRequest = SimulatorDialectCalls.Responses(Prompt);
        responsesRequest["tools"] = SimulatorDialectCalls.ResponsesTools();
        var geminiRequest = SimulatorDialectCalls.Gemini(Prompt);
        geminiRequest["tools"] = SimulatorDialectCalls.GeminiTools();

        using var chat = await SimulatorCalls.CompleteAsync(_client, chatRequest);
        using var anthropic = await SimulatorDialectCalls.CompleteAsync(_client, "messages", anthropicRequest);
        using var responses = await SimulatorDialectCalls.CompleteAsync(_client, "responses", responsesRequest);
        using var gemini = await SimulatorDialectCalls.CompleteAsync(_client, fixture.Host.GeminiBaseUrl + "models/sim-small:generateContent", geminiRequest);

        var expected = SimulatorCalls.Message(chat).GetProperty("tool_calls").EnumerateArray()
            .Select(c => (c.GetProperty("function").GetProperty("name").GetString(), Normal(c.GetProperty("function").GetProperty("arguments").GetString()!)))
            .ToList();
        Assert.Equal(2, expected.Count);
        Assert.Equal(expected, anthropic.RootElement.GetProperty("content").EnumerateArray()
            .Select(b => (b.GetProperty("name").GetString(), Normal(b.GetProperty("input").GetRawText()))));
        Assert.Equal(expected, responses.RootElement.GetProperty("output").EnumerateArray()
            .Select(i => (i.GetProperty("name").GetString(), Normal(i.GetProperty("arguments").GetString()!))));
        Assert.Equal(expected, gemini.RootElement.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts").EnumerateArray()
            .Select(p => (p.GetProperty("functionCall").GetProperty("name").GetString(), Normal(p.GetProperty("functionCall").GetProperty("args").GetRawText()))));
    }

    [Fact]
    public async Task AfterToolResult_NoFurtherCallsInAnyDialect()
    {
        var anthropic = SimulatorDialectCalls.Anthropic("use get_time");
        anthropic["tools"] = SimulatorDialectCalls.AnthropicTools();
        anthropic["messages"]!.AsArray().Add(JsonNode.Parse("""{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_time","input":{}}]}"""));
        anthropic["messages"]!.AsArray().Add(JsonNode.Parse("""{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"12:00"}]}"""));
        var responses = SimulatorDialectCalls.Responses("use get_time");
        responses["tools"] = SimulatorDialectCalls.ResponsesTools();
        responses["input"]!.AsArray().Add(JsonNode.Parse("""{"type":"function_call","call_id":"call_1","name":"get_time","arguments":"{}"}"""));
        responses["input"]!.AsArray().Add(JsonNode.Parse("""{"type":"function_call_output","call_id":"call_1","output":"12:00"}"""));
        var gemini = SimulatorDialectCalls.Gemini("use get_time");
        gemini["tools"] = SimulatorDialectCalls.GeminiTools();
        gemini["contents"]!.AsArray().Add(JsonNode.Parse("""{"role":"model","parts":[{"functionCall":{"name":"get_time","args":{}}}]}"""));
        gemini["contents"]!.AsArray().Add(JsonNode.Parse("""{"role":"user","parts":[{"functionResponse":{"name":"get_time","response":{"output":"12:00"}}}]}"""));

        using var a = await SimulatorDialectCalls.CompleteAsync(_client, "messages", anthropic);
        using var r = await SimulatorDialectCalls.CompleteAsync(_client, "responses", responses);
        using var g = await SimulatorDialectCalls.CompleteAsync(_client, fixture.Host.GeminiBaseUrl + "models/sim-small:generateContent", gemini);

        var text = await SimulatorDialectCalls.ChatTextAsync(_client, "use get_time");
        Assert.Equal("end_turn", a.RootElement.GetProperty("stop_reason").GetString());
        Assert.Equal(text, a.RootElement.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(text, r.RootElement.GetProperty("output_text").GetString());
        Assert.Equal(text, g.RootElement.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task JournalEndpoint_RecordsDialectAndEchoFields()
    {
        using var response = await SimulatorDialectCalls.PostAsync(_client, "messages", SimulatorDialectCalls.Anthropic("journal me"));
        var id = SimulatorCalls.ReadId(response);
        await SimulatorCalls.WaitForEntryAsync(fixture.Host.Journal, id);

        using var entry = JsonDocument.Parse(await _client.GetStringAsync(new Uri(fixture.Host.RootUrl, "_simulator/journal/" + id)));

        Assert.Equal("anthropic", entry.RootElement.GetProperty("dialect").GetString());
        Assert.Equal(0, entry.RootElement.GetProperty("echoed_reasoning").GetInt32());
        Assert.Equal(JsonValueKind.Null, entry.RootElement.GetProperty("reasoning_verified").ValueKind);
        Assert.Equal("openai_chat", new SimulatorJournalEntry("x", null, false, false, null, SimulatorOutcome.Completed, 200, null, default, default).Dialect);
    }

    private static string Normal(string json)
    {
        using var document = JsonDocument.Parse(json);
        return JsonSerializerCompact(document.RootElement);
    }

    private static string JsonSerializerCompact(JsonElement element)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            element.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
