using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Warden.Server.Tests.Simulator;

public sealed class SimulatorToolCallTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private static readonly Regex CallId = new("^call_[0-9a-f]{24}$");

    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task ChatCompletions_PromptNamesOneTool_ReturnsOneCallWithSchemaArguments()
    {
        using var completion = await SimulatorCalls.CompleteAsync(_client, WithTools("Please use get_weather for tomorrow."));

        var choice = SimulatorCalls.Choice(completion);
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal(JsonValueKind.Null, message.GetProperty("content").ValueKind);
        var call = Assert.Single(message.GetProperty("tool_calls").EnumerateArray());
        Assert.Matches(CallId, call.GetProperty("id").GetString());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        AssertWeatherArguments(call.GetProperty("function").GetProperty("arguments").GetString()!);
    }

    [Fact]
    public async Task ChatCompletions_PromptNamesTwoTools_ReturnsParallelCallsInOrderOfMention()
    {
        using var completion = await SimulatorCalls.CompleteAsync(_client, WithTools("First get_time, then get_weather."));

        var calls = SimulatorCalls.Message(completion).GetProperty("tool_calls").EnumerateArray().ToList();
        Assert.Equal(["get_time", "get_weather"], calls.Select(c => c.GetProperty("function").GetProperty("name").GetString()));
        Assert.NotEqual(calls[0].GetProperty("id").GetString(), calls[1].GetProperty("id").GetString());

        // get_time requires nothing, so every property is filled; "city" gets the fixed place name.
        using var timeArguments = JsonDocument.Parse(calls[0].GetProperty("function").GetProperty("arguments").GetString()!);
        Assert.Equal("Paris", timeArguments.RootElement.GetProperty("city").GetString());
        Assert.False(string.IsNullOrEmpty(timeArguments.RootElement.GetProperty("format").GetString()));
        AssertWeatherArguments(calls[1].GetProperty("function").GetProperty("arguments").GetString()!);
    }

    [Fact]
    public async Task ChatCompletions_StreamedParallelCalls_ArgumentPiecesReassembleToTheSameJson()
    {
        const string Prompt = "Call get_weather and get_time";
        using var whole = await SimulatorCalls.CompleteAsync(_client, WithTools(Prompt));
        var expected = SimulatorCalls.Message(whole).GetProperty("tool_calls").EnumerateArray()
            .Select(c => (Name: c.GetProperty("function").GetProperty("name").GetString()!, Arguments: c.GetProperty("function").GetProperty("arguments").GetString()!))
            .ToList();

        var request = WithTools(Prompt);
        request["stream"] = true;
        request["stream_options"] = new JsonObject { ["include_usage"] = true };
        var chunks = SimulatorCalls.ParseChunks(await SimulatorCalls.StreamAsync(_client, request));

        var calls = new SortedDictionary<int, (string? Id, string? Name, List<string> Pieces)>();
        foreach (var chunk in chunks.Where(c => c.RootElement.GetProperty("choices").GetArrayLength() > 0))
        {
            if (!SimulatorCalls.Choice(chunk).GetProperty("delta").TryGetProperty("tool_calls", out var deltas))
            {
                continue;
            }

            var delta = Assert.Single(deltas.EnumerateArray());
            var index = delta.GetProperty("index").GetInt32();
            var function = delta.GetProperty("function");
            if (delta.TryGetProperty("id", out var id))
            {
                // The first delta of a call introduces it with empty arguments.
                Assert.DoesNotContain(index, calls.Keys);
                Assert.Matches(CallId, id.GetString());
                Assert.Equal("function", delta.GetProperty("type").GetString());
                Assert.Equal("", function.GetProperty("arguments").GetString());
                calls[index] = (id.GetString(), function.GetProperty("name").GetString(), []);
            }
            else
            {
                calls[index].Pieces.Add(function.GetProperty("arguments").GetString()!);
            }
        }

        Assert.Equal([0, 1], calls.Keys);
        Assert.Equal(expected.Select(e => e.Name), calls.Values.Select(c => c.Name));
        foreach (var (call, want) in calls.Values.Zip(expected))
        {
            Assert.True(call.Pieces.Count >= 2, $"{call.Name} arguments arrived in {call.Pieces.Count} piece(s)");
            var arguments = string.Concat(call.Pieces);
            Assert.Equal(want.Arguments, arguments);
            using var _ = JsonDocument.Parse(arguments);
        }

        AssertWeatherArguments(expected[0].Arguments);
        Assert.Equal("tool_calls", SimulatorCalls.Choice(chunks[^2]).GetProperty("finish_reason").GetString());
        Assert.Equal(0, chunks[^1].RootElement.GetProperty("choices").GetArrayLength());
    }

    [Fact]
    public async Task ChatCompletions_ToolChoiceNone_AnswersWithTextEvenWhenToolIsNamed()
    {
        var request = WithTools("get_weather please");
        request["tool_choice"] = "none";

        using var completion = await SimulatorCalls.CompleteAsync(_client, request);

        Assert.Equal("stop", SimulatorCalls.Choice(completion).GetProperty("finish_reason").GetString());
        Assert.StartsWith("Simulated ", SimulatorCalls.Content(completion), StringComparison.Ordinal);
        Assert.False(SimulatorCalls.Message(completion).TryGetProperty("tool_calls", out _));
    }

    [Fact]
    public async Task ChatCompletions_ToolChoiceNamesFunction_CallsOnlyThatFunction()
    {
        var request = WithTools("get_weather is what I mention, but the choice decides");
        request["tool_choice"] = new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = "get_time" } };

        using var completion = await SimulatorCalls.CompleteAsync(_client, request);

        var call = Assert.Single(SimulatorCalls.Message(completion).GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("get_time", call.GetProperty("function").GetProperty("name").GetString());
    }

    [Fact]
    public async Task ChatCompletions_ToolChoiceRequiredWithoutMention_CallsTheFirstTool()
    {
        var request = WithTools("No tool is named here");
        request["tool_choice"] = "required";

        using var completion = await SimulatorCalls.CompleteAsync(_client, request);

        var call = Assert.Single(SimulatorCalls.Message(completion).GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
    }

    [Fact]
    public async Task ChatCompletions_ToolsButNoMention_AnswersWithText()
    {
        using var completion = await SimulatorCalls.CompleteAsync(_client, WithTools("Just chat with me, weather fan"));

        Assert.Equal("stop", SimulatorCalls.Choice(completion).GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task ChatCompletions_LastMessageIsToolResult_ContinuesWithText()
    {
        var request = WithTools("Use get_weather");
        var messages = (JsonArray)request["messages"]!;
        messages.Add(JsonNode.Parse("""
            {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"Paris\"}"}}]}
            """));
        messages.Add(JsonNode.Parse("""{"role":"tool","tool_call_id":"call_1","content":[{"type":"text","text":"18C and sunny"}]}"""));

        using var completion = await SimulatorCalls.CompleteAsync(_client, request);

        Assert.Equal("stop", SimulatorCalls.Choice(completion).GetProperty("finish_reason").GetString());
        Assert.StartsWith("Simulated ", SimulatorCalls.Content(completion), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletions_ToolChoiceNamesUndeclaredFunction_Returns400()
    {
        var request = WithTools("hello");
        request["tool_choice"] = new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = "launch_rocket" } };

        using var response = await SimulatorCalls.PostAsync(_client, request);

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static JsonObject WithTools(string prompt)
    {
        var request = SimulatorCalls.Request(prompt);
        request["tools"] = SimulatorCalls.WeatherAndTimeTools();
        return request;
    }

    /// <summary>Every required property present, with the value its schema type calls for.</summary>
    private static void AssertWeatherArguments(string arguments)
    {
        using var document = JsonDocument.Parse(arguments);
        var root = document.RootElement;
        Assert.Equal("Paris", root.GetProperty("location").GetString());
        Assert.Equal("celsius", root.GetProperty("unit").GetString());
        Assert.Equal(42, root.GetProperty("days").GetInt32());
        Assert.True(root.GetProperty("detailed").GetBoolean());
        Assert.Equal(JsonValueKind.String, root.GetProperty("note").ValueKind);
        Assert.Equal(0, root.GetProperty("hours").GetArrayLength());
        Assert.Equal(JsonValueKind.Object, root.GetProperty("options").ValueKind);
        Assert.Equal(7, root.EnumerateObject().Count());
    }
}
