using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

public sealed class SimulatorGeminiTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task GenerateContent_Text_AnswersCandidateWithChatsText()
    {
        using var response = await SimulatorDialectCalls.CompleteAsync(_client, Url("sim-small:generateContent"), SimulatorDialectCalls.Gemini("tell me about rivers"));
        var root = response.RootElement;

        var candidate = Assert.Single(root.GetProperty("candidates").EnumerateArray());
        Assert.Equal("model", candidate.GetProperty("content").GetProperty("role").GetString());
        Assert.Equal("STOP", candidate.GetProperty("finishReason").GetString());
        var part = Assert.Single(candidate.GetProperty("content").GetProperty("parts").EnumerateArray());
        Assert.Equal(await SimulatorDialectCalls.ChatTextAsync(_client, "tell me about rivers"), part.GetProperty("text").GetString());
        Assert.Equal("sim-small", root.GetProperty("modelVersion").GetString());
        Assert.Equal(24, root.GetProperty("responseId").GetString()!.Length);
        var usage = root.GetProperty("usageMetadata");
        Assert.Equal(
            usage.GetProperty("promptTokenCount").GetInt32() + usage.GetProperty("candidatesTokenCount").GetInt32(),
            usage.GetProperty("totalTokenCount").GetInt32());
    }

    [Fact]
    public async Task StreamGenerateContent_AltSse_SendsCrLfFramedChunksEndingWithFinishAndUsage()
    {
        using var response = await SimulatorDialectCalls.PostAsync(_client, Url("sim-small:streamGenerateContent?alt=sse"), SimulatorDialectCalls.Gemini("stream rivers"));
        var raw = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var frames = raw.Split("\r\n\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.True(frames.Length >= 3);
        var text = new StringBuilder();
        foreach (var frame in frames)
        {
            Assert.StartsWith("data: ", frame, StringComparison.Ordinal);
            using var chunk = JsonDocument.Parse(frame["data: ".Length..]);
            text.Append(chunk.RootElement.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString());
        }

        Assert.Equal(await SimulatorDialectCalls.ChatTextAsync(_client, "stream rivers"), text.ToString());
        using var last = JsonDocument.Parse(frames[^1]["data: ".Length..]);
        Assert.Equal("STOP", last.RootElement.GetProperty("candidates")[0].GetProperty("finishReason").GetString());
        Assert.True(last.RootElement.TryGetProperty("usageMetadata", out _));
        using var first = JsonDocument.Parse(frames[0]["data: ".Length..]);
        Assert.False(first.RootElement.GetProperty("candidates")[0].TryGetProperty("finishReason", out _));
    }

    [Fact]
    public async Task StreamGenerateContent_WithoutAlt_SendsOneJsonArrayOfChunks()
    {
        using var response = await SimulatorDialectCalls.PostAsync(_client, Url("sim-small:streamGenerateContent"), SimulatorDialectCalls.Gemini("stream rivers"));
        var raw = await response.Content.ReadAsStringAsync();

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var array = JsonDocument.Parse(raw);
        Assert.True(array.RootElement.GetArrayLength() >= 3);
        var text = string.Concat(array.RootElement.EnumerateArray().Select(chunk =>
            chunk.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString()));
        Assert.Equal(await SimulatorDialectCalls.ChatTextAsync(_client, "stream rivers"), text);
    }

    [Fact]
    public async Task GenerateContent_ToolsNamed_ReturnsFunctionCallsWithChatsArguments()
    {
        var request = SimulatorDialectCalls.Gemini("call get_time and get_weather");
        request["tools"] = SimulatorDialectCalls.GeminiTools();
        var chatRequest = SimulatorCalls.Request("call get_time and get_weather");
        chatRequest["tools"] = SimulatorCalls.WeatherAndTimeTools();

        using var response = await SimulatorDialectCalls.CompleteAsync(_client, Url("sim-small:generateContent"), request);
        using var chat = await SimulatorCalls.CompleteAsync(_client, chatRequest);

        var parts = response.RootElement.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts");
        var chatCalls = SimulatorCalls.Message(chat).GetProperty("tool_calls");
        Assert.Equal(2, parts.GetArrayLength());
        for (var i = 0; i < 2; i++)
        {
            var call = parts[i].GetProperty("functionCall");
            Assert.Equal(chatCalls[i].GetProperty("function").GetProperty("name").GetString(), call.GetProperty("name").GetString());
            using var expected = JsonDocument.Parse(chatCalls[i].GetProperty("function").GetProperty("arguments").GetString()!);
            Assert.True(JsonElement.DeepEquals(expected.RootElement, call.GetProperty("args")));
            Assert.False(parts[i].TryGetProperty("thoughtSignature", out _));
        }
    }

    [Fact]
    public async Task GenerateContent_Thinking_SignsFirstFunctionCallAndShowsThoughtsWhenAsked()
    {
        var request = ThinkingToolRequest();

        using var response = await SimulatorDialectCalls.CompleteAsync(_client, Url("sim-small:generateContent"), request);

        var parts = response.RootElement.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts");
        Assert.True(parts[0].GetProperty("thought").GetBoolean());
        Assert.True(parts[1].TryGetProperty("functionCall", out _));
        Assert.True(SimulatorReasoningSeal.VerifySeal(SimulatorDialect.Gemini, parts[1].GetProperty("thoughtSignature").GetString()!));
        var usage = response.RootElement.GetProperty("usageMetadata");
        var thoughts = usage.GetProperty("thoughtsTokenCount").GetInt32();
        Assert.True(thoughts > 0);
        Assert.Equal(
            usage.GetProperty("promptTokenCount").GetInt32() + usage.GetProperty("candidatesTokenCount").GetInt32() + thoughts,
            usage.GetProperty("totalTokenCount").GetInt32());
    }

    [Fact]
    public async Task GenerateContent_ThinkingWithoutIncludeThoughts_HidesThoughtsButCountsThem()
    {
        var request = SimulatorDialectCalls.Gemini("think about rivers");
        request["generationConfig"] = new JsonObject { ["thinkingConfig"] = new JsonObject { ["thinkingBudget"] = 512 } };

        using var response = await SimulatorDialectCalls.CompleteAsync(_client, Url("sim-small:generateContent"), request);

        var part = Assert.Single(response.RootElement.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts").EnumerateArray());
        Assert.False(part.TryGetProperty("thought", out _));
        Assert.True(response.RootElement.GetProperty("usageMetadata").GetProperty("thoughtsTokenCount").GetInt32() > 0);
    }

    [Fact]
    public async Task GenerateContent_EchoedSignatureIntactOrSkipValidator_Verifies()
    {
        var history = await ThinkingToolHistoryAsync();
        using var intact = await SimulatorDialectCalls.PostAsync(_client, Url("sim-small:generateContent"), history);
        var part = history["contents"]![1]!["parts"]!.AsArray().First(p => p!["functionCall"] is not null)!;
        part["thoughtSignature"] = SimulatorReasoningSeal.GeminiSkipValidator;
        using var skipped = await SimulatorDialectCalls.PostAsync(_client, Url("sim-small:generateContent"), history);

        Assert.Equal(HttpStatusCode.OK, intact.StatusCode);
        Assert.Equal(HttpStatusCode.OK, skipped.StatusCode);
        var entry = await SimulatorDialectCalls.EntryAsync(fixture, intact);
        Assert.Equal("gemini", entry.Dialect);
        Assert.Equal(1, entry.EchoedReasoning);
        Assert.True(entry.ReasoningVerified);
    }

    [Fact]
    public async Task GenerateContent_EchoedSignatureTamperedByOneByte_Returns400InvalidArgument()
    {
        var history = await ThinkingToolHistoryAsync();
        var part = history["contents"]![1]!["parts"]!.AsArray().First(p => p!["functionCall"] is not null)!;
        var bytes = Convert.FromBase64String((string)part["thoughtSignature"]!);
        bytes[0] ^= 0x20;
        part["thoughtSignature"] = Convert.ToBase64String(bytes);

        using var response = await SimulatorDialectCalls.PostAsync(_client, Url("sim-small:generateContent"), history);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await SimulatorDialectCalls.ReadErrorAsync(response);
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        Assert.Equal("INVALID_ARGUMENT", error.GetProperty("status").GetString());
        Assert.False((await SimulatorDialectCalls.EntryAsync(fixture, response)).ReasoningVerified);
    }

    [Fact]
    public async Task GenerateContent_MaxOutputTokens_FinishesWithMaxTokens()
    {
        var request = SimulatorDialectCalls.Gemini("a long answer please");
        request["generationConfig"] = new JsonObject { ["maxOutputTokens"] = 2 };

        using var response = await SimulatorDialectCalls.CompleteAsync(_client, Url("sim-small:generateContent"), request);

        Assert.Equal("MAX_TOKENS", response.RootElement.GetProperty("candidates")[0].GetProperty("finishReason").GetString());
    }

    [Fact]
    public async Task GenerateContent_LongPrompt_PromptTokensIncludeCachedContent()
    {
        var request = SimulatorDialectCalls.Gemini("and the last question");
        request["systemInstruction"] = new JsonObject { ["parts"] = new JsonArray(new JsonObject { ["text"] = SimulatorDialectCalls.LongText() }) };

        using var response = await SimulatorDialectCalls.PostAsync(_client, Url("sim-small:generateContent"), request);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var entry = await SimulatorDialectCalls.EntryAsync(fixture, response);

        var usage = body.RootElement.GetProperty("usageMetadata");
        Assert.True(usage.GetProperty("cachedContentTokenCount").GetInt32() > 0);
        Assert.Equal(entry.Usage!.CachedTokens, usage.GetProperty("cachedContentTokenCount").GetInt32());
        Assert.Equal(entry.Usage.PromptTokens, usage.GetProperty("promptTokenCount").GetInt32());
    }

    [Fact]
    public async Task CountTokens_ReturnsTotalTokensOfThePrompt()
    {
        var request = SimulatorDialectCalls.Gemini("count these words for me");

        using var count = await SimulatorDialectCalls.CompleteAsync(_client, Url("sim-small:countTokens"), request);
        using var wrapped = await SimulatorDialectCalls.CompleteAsync(_client, Url("sim-small:countTokens"), new JsonObject { ["generateContentRequest"] = request.DeepClone() });
        using var answer = await SimulatorDialectCalls.CompleteAsync(_client, Url("sim-small:generateContent"), request);

        var expected = answer.RootElement.GetProperty("usageMetadata").GetProperty("promptTokenCount").GetInt32();
        Assert.Equal(expected, count.RootElement.GetProperty("totalTokens").GetInt32());
        Assert.Equal(expected, wrapped.RootElement.GetProperty("totalTokens").GetInt32());
    }

    [Fact]
    public async Task Models_ListsSimModelsInGeminiShape()
    {
        using var document = JsonDocument.Parse(await _client.GetStringAsync(fixture.Host.GeminiBaseUrl + "models"));

        // The chat models; the embedding model (issue 22) follows them and generates no content.
        var models = document.RootElement.GetProperty("models").EnumerateArray().SkipLast(1).ToList();
        Assert.Equal(SimulatorModels.Names.Select(n => "models/" + n), models.Select(m => m.GetProperty("name").GetString()));
        Assert.All(models, m => Assert.Contains("generateContent", m.GetProperty("supportedGenerationMethods").EnumerateArray().Select(x => x.GetString())));
    }

    [Theory]
    [InlineData("429-4", 429, "RESOURCE_EXHAUSTED", "4")]
    [InlineData("500", 500, "INTERNAL", null)]
    [InlineData("503", 503, "UNAVAILABLE", "1")]
    public async Task GenerateContent_ErrorFault_AnswersInGoogleErrorShape(string fault, int status, string googleStatus, string? retryAfter)
    {
        using var response = await SimulatorDialectCalls.PostAsync(_client, Url("sim-small:generateContent"), SimulatorDialectCalls.Gemini("hi"), fault);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(retryAfter, response.Headers.TryGetValues("Retry-After", out var values) ? values.Single() : null);
        var error = await SimulatorDialectCalls.ReadErrorAsync(response);
        Assert.Equal(status, error.GetProperty("code").GetInt32());
        Assert.Equal(googleStatus, error.GetProperty("status").GetString());
    }

    [Fact]
    public async Task GenerateContent_FaultInModelPath_AppliesAndIsStripped()
    {
        using var response = await SimulatorDialectCalls.PostAsync(_client, Url("sim-small~429:generateContent"), SimulatorDialectCalls.Gemini("hi"));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("sim-small", (await SimulatorDialectCalls.EntryAsync(fixture, response)).Model);
    }

    [Fact]
    public async Task StreamGenerateContent_MidstreamError_SendsErrorChunkAfterSomeOutput()
    {
        using var response = await SimulatorDialectCalls.PostAsync(_client, Url("sim-small:streamGenerateContent?alt=sse"), SimulatorDialectCalls.Gemini("fail halfway"), "midstream-error");
        var events = await SimulatorDialectCalls.ReadEventsAsync(response);

        Assert.True(events.Count >= 2);
        using var first = events[0].Parse();
        Assert.True(first.RootElement.TryGetProperty("candidates", out _));
        using var last = events[^1].Parse();
        Assert.Equal("UNAVAILABLE", last.RootElement.GetProperty("error").GetProperty("status").GetString());
        Assert.Equal(SimulatorOutcome.Faulted, (await SimulatorDialectCalls.EntryAsync(fixture, response)).Outcome);
    }

    [Fact]
    public async Task StreamGenerateContent_DisconnectMidStream_Aborts()
    {
        using var response = await SimulatorDialectCalls.PostAsync(_client, Url("sim-small:streamGenerateContent?alt=sse"), SimulatorDialectCalls.Gemini("cut me off"), "disconnect-2");
        var events = new List<SseEvent>();

        var failure = await SimulatorDialectCalls.ReadEventsUntilEndAsync(response, events);

        Assert.IsAssignableFrom<IOException>(failure);
        Assert.Equal(2, events.Count);
    }

    [Fact]
    public async Task UnknownMethod_Returns404InGoogleShape()
    {
        // embedContent is served since issue 22 (SimulatorOperationsTests); predict is a method the simulator does not know.
        using var response = await SimulatorDialectCalls.PostAsync(_client, Url("sim-small:predict"), SimulatorDialectCalls.Gemini("hi"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("NOT_FOUND", (await SimulatorDialectCalls.ReadErrorAsync(response)).GetProperty("status").GetString());
    }

    private static JsonObject ThinkingToolRequest()
    {
        var request = SimulatorDialectCalls.Gemini("run get_time for me");
        request["tools"] = SimulatorDialectCalls.GeminiTools();
        request["generationConfig"] = new JsonObject
        {
            ["thinkingConfig"] = new JsonObject { ["includeThoughts"] = true, ["thinkingLevel"] = "HIGH" },
        };
        return request;
    }

    /// <summary>A thinking turn with a signed function call, sent back with the function response as Gemini CLI does.</summary>
    private async Task<JsonObject> ThinkingToolHistoryAsync()
    {
        var request = ThinkingToolRequest();
        using var first = await SimulatorDialectCalls.CompleteAsync(_client, Url("sim-small:generateContent"), request);
        var content = JsonNode.Parse(first.RootElement.GetProperty("candidates")[0].GetProperty("content").GetRawText())!;
        var contents = request["contents"]!.AsArray();
        contents.Add(content);
        contents.Add(new JsonObject
        {
            ["role"] = "user",
            ["parts"] = new JsonArray(new JsonObject
            {
                ["functionResponse"] = new JsonObject { ["name"] = "get_time", ["response"] = new JsonObject { ["output"] = "12:00" } },
            }),
        });
        return request;
    }

    private string Url(string target) => fixture.Host.GeminiBaseUrl + "models/" + target;
}
