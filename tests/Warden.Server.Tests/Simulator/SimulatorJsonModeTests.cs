using System.Text.Json;
using System.Text.Json.Nodes;

namespace Warden.Server.Tests.Simulator;

public sealed class SimulatorJsonModeTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private const string Schema = """
        {"type":"object","additionalProperties":false,
         "properties":{
           "title":{"type":"string","minLength":3,"maxLength":40},
           "score":{"type":"integer","minimum":1,"maximum":10},
           "ratio":{"type":"number","minimum":100.5},
           "mood":{"type":"string","enum":["calm","busy"]},
           "tags":{"type":"array","items":{"type":"string"},"minItems":2},
           "nested":{"type":"object","properties":{"ok":{"type":"boolean"},"when":{"type":"string","format":"date-time"}},"required":["ok"]},
           "maybe":{"anyOf":[{"type":"null"},{"type":"integer","maximum":-5}]},
           "kind":{"const":"fixed"}},
         "required":["score","title"]}
        """;

    // The router request Gemini CLI sends (shared/wire/requests/gemini-cli.tool.00.json): OpenAPI-style upper-case types.
    private const string GeminiCliRouterConfig = """
        {"temperature":1,"topP":0.95,"topK":64,"responseMimeType":"application/json",
         "responseJsonSchema":{"type":"OBJECT","properties":{
           "complexity_reasoning":{"type":"STRING","description":"Brief explanation for the score."},
           "complexity_score":{"type":"INTEGER","description":"Complexity score from 1-100."}},
           "required":["complexity_reasoning","complexity_score"]},
         "thinkingConfig":{"includeThoughts":true,"thinkingLevel":"HIGH"}}
        """;

    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task Chat_JsonSchema_AnswerValidates()
    {
        var request = SimulatorCalls.Request("give me json");
        request["response_format"] = JsonNode.Parse("""{"type":"json_schema","json_schema":{"name":"result","strict":true,"schema":""" + Schema + "}}");

        using var completion = await SimulatorCalls.CompleteAsync(_client, request);

        AssertValid(SimulatorCalls.Content(completion), Schema);
    }

    [Fact]
    public async Task Chat_JsonObject_AnswersAnObject()
    {
        var request = SimulatorCalls.Request("give me json");
        request["response_format"] = new JsonObject { ["type"] = "json_object" };

        using var completion = await SimulatorCalls.CompleteAsync(_client, request);

        using var value = JsonDocument.Parse(SimulatorCalls.Content(completion));
        Assert.Equal(JsonValueKind.Object, value.RootElement.ValueKind);
    }

    [Fact]
    public async Task Responses_TextFormatJsonSchema_AnswerValidates()
    {
        var request = SimulatorDialectCalls.Responses("give me json");
        request["text"] = JsonNode.Parse("""{"format":{"type":"json_schema","name":"result","strict":true,"schema":""" + Schema + "}}");

        using var response = await SimulatorDialectCalls.CompleteAsync(_client, "responses", request);

        AssertValid(response.RootElement.GetProperty("output_text").GetString()!, Schema);
    }

    [Theory]
    [InlineData("output_format")]
    [InlineData("output_config")]
    public async Task Anthropic_OutputFormat_AnswerValidates(string field)
    {
        var request = SimulatorDialectCalls.Anthropic("give me json");
        var format = JsonNode.Parse("""{"type":"json_schema","schema":""" + Schema + "}");
        request[field] = field == "output_format" ? format : new JsonObject { ["format"] = format };

        using var message = await SimulatorDialectCalls.CompleteAsync(_client, "messages", request);

        AssertValid(message.RootElement.GetProperty("content")[0].GetProperty("text").GetString()!, Schema);
    }

    [Theory]
    [InlineData("responseJsonSchema")]
    [InlineData("responseSchema")]
    public async Task Gemini_ResponseSchema_AnswerValidates(string field)
    {
        var request = SimulatorDialectCalls.Gemini("give me json");
        request["generationConfig"] = new JsonObject { ["responseMimeType"] = "application/json", [field] = JsonNode.Parse(Schema) };

        using var response = await SimulatorDialectCalls.CompleteAsync(_client, fixture.Host.GeminiBaseUrl + "models/sim-small:generateContent", request);

        AssertValid(TextOf(response), Schema);
    }

    [Fact]
    public async Task Gemini_CliRouterRequest_GetsValidJson()
    {
        var request = SimulatorDialectCalls.Gemini("run echo hello-from-tool");
        request["generationConfig"] = JsonNode.Parse(GeminiCliRouterConfig);

        using var response = await SimulatorDialectCalls.CompleteAsync(_client, fixture.Host.GeminiBaseUrl + "models/sim-small:generateContent", request);

        var schema = JsonNode.Parse(GeminiCliRouterConfig)!["responseJsonSchema"]!.ToJsonString();
        AssertValid(TextOf(response), schema);
    }

    private static string TextOf(JsonDocument response) =>
        response.RootElement.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts").EnumerateArray()
            .Last(part => !part.TryGetProperty("thought", out _)).GetProperty("text").GetString()!;

    private static void AssertValid(string text, string schema)
    {
        using var value = JsonDocument.Parse(text);
        using var schemaDocument = JsonDocument.Parse(schema);
        Assert.Null(JsonSchemaCheck.Validate(value.RootElement, schemaDocument.RootElement));
    }
}
