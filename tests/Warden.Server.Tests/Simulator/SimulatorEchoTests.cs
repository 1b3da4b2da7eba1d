using System.Text.Json;
using System.Text.Json.Nodes;

namespace Warden.Server.Tests.Simulator;

/// <summary>
/// The echo fault repeats every text the request carried (system prompt, messages, tool-call arguments, tool
/// results) in request order, in every dialect, streamed and not (docs/architecture.md, "The simulator").
/// </summary>
public sealed class SimulatorEchoTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private const string Expected = """
        system: Be brief; phone 13812345678.
        user: Find alice@example.cn
        tool_call lookup: {"q":"alice@example.cn"}
        tool_result: found "Alice" 110105194912310021
        user: Thanks
        """;

    private readonly HttpClient _client = fixture.Client;

    public static TheoryData<string, bool> DialectsStreamedOrNot() => SimulatorPathFaultTests.DialectsStreamedOrNot();

    [Theory]
    [MemberData(nameof(DialectsStreamedOrNot))]
    public async Task Echo_Conversation_AnswersEveryTextInOrder(string dialect, bool stream)
    {
        var @case = SimulatorDialectCase.For(dialect);
        var body = Conversation(dialect, stream);

        string answer = await AnswerAsync(@case, body, stream);

        string expected = dialect == "gemini"
            ? Expected.Replace("tool_result: found \"Alice\" 110105194912310021", "tool_result: {\"result\":\"found \\\"Alice\\\" 110105194912310021\"}", StringComparison.Ordinal)
            : Expected;
        Assert.Equal(expected.ReplaceLineEndings("\n"), answer);
    }

    [Theory]
    [MemberData(nameof(DialectsStreamedOrNot))]
    public async Task NoEcho_SameConversation_AnswersGeneratedText(string dialect, bool stream)
    {
        var @case = SimulatorDialectCase.For(dialect);

        string answer = await AnswerAsync(@case, Conversation(dialect, stream), stream, fault: null);

        Assert.DoesNotContain("tool_result:", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Echo_ModelSuffixWithToolNamed_StringArgumentsHoldTheEcho()
    {
        var request = SimulatorCalls.Request("weather in get_weather for 13812345678", "sim-small~echo");
        request["tools"] = SimulatorCalls.WeatherAndTimeTools();

        using var completion = await SimulatorCalls.CompleteAsync(_client, request);

        var call = Assert.Single(SimulatorCalls.Message(completion).GetProperty("tool_calls").EnumerateArray());
        using var arguments = JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!);
        Assert.Contains(arguments.RootElement.EnumerateObject(), p => p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() == "user: weather in get_weather for 13812345678");
    }

    private async Task<string> AnswerAsync(SimulatorDialectCase @case, JsonObject body, bool stream, string? fault = "echo")
    {
        if (stream)
        {
            var events = await SimulatorDialectCalls.StreamAsync(_client, @case.Path(stream), body, fault);
            return @case.StreamedText(events);
        }

        using var answer = await SimulatorDialectCalls.CompleteAsync(_client, @case.Path(stream), body, fault);
        return @case.Text(answer);
    }

    private static JsonObject Conversation(string dialect, bool stream)
    {
        string json = dialect switch
        {
            "chat" => """
                {"model":"sim-small","messages":[
                  {"role":"system","content":"Be brief; phone 13812345678."},
                  {"role":"user","content":[{"type":"text","text":"Find alice@example.cn"}]},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"alice@example.cn\"}"}}]},
                  {"role":"tool","tool_call_id":"c1","content":"found \"Alice\" 110105194912310021"},
                  {"role":"user","content":"Thanks"}]}
                """,
            "responses" => """
                {"model":"sim-small","instructions":"Be brief; phone 13812345678.","input":[
                  {"type":"message","role":"user","content":[{"type":"input_text","text":"Find alice@example.cn"}]},
                  {"type":"function_call","call_id":"c1","name":"lookup","arguments":"{\"q\":\"alice@example.cn\"}"},
                  {"type":"function_call_output","call_id":"c1","output":"found \"Alice\" 110105194912310021"},
                  {"type":"message","role":"user","content":"Thanks"}]}
                """,
            "anthropic" => """
                {"model":"sim-small","max_tokens":1024,"system":[{"type":"text","text":"Be brief; phone 13812345678."}],"messages":[
                  {"role":"user","content":"Find alice@example.cn"},
                  {"role":"assistant","content":[{"type":"tool_use","id":"c1","name":"lookup","input":{"q":"alice@example.cn"}}]},
                  {"role":"user","content":[{"type":"tool_result","tool_use_id":"c1","content":[{"type":"text","text":"found \"Alice\" 110105194912310021"}]}]},
                  {"role":"user","content":"Thanks"}]}
                """,
            _ => """
                {"systemInstruction":{"parts":[{"text":"Be brief; phone 13812345678."}]},"contents":[
                  {"role":"user","parts":[{"text":"Find alice@example.cn"}]},
                  {"role":"model","parts":[{"functionCall":{"name":"lookup","args":{"q":"alice@example.cn"}}}]},
                  {"role":"user","parts":[{"functionResponse":{"name":"lookup","response":{"result":"found \"Alice\" 110105194912310021"}}}]},
                  {"role":"user","parts":[{"text":"Thanks"}]}]}
                """,
        };
        var body = JsonNode.Parse(json)!.AsObject();
        if (stream && dialect != "gemini")
        {
            body["stream"] = true;
        }

        return body;
    }
}
