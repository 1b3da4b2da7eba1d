using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

public sealed class SimulatorChatCompletionTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task ChatCompletions_NonStreamedText_ReturnsOpenAiCompletionShape()
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("Tell me about rivers"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var requestId = SimulatorCalls.ReadId(response);
        using var completion = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = completion.RootElement;

        Assert.Matches(new Regex("^chatcmpl-[0-9a-f]{24}$"), root.GetProperty("id").GetString());
        Assert.Equal("chat.completion", root.GetProperty("object").GetString());
        Assert.Equal("sim-small", root.GetProperty("model").GetString());
        Assert.Equal("fp_warden_sim", root.GetProperty("system_fingerprint").GetString());
        Assert.True(root.GetProperty("created").GetInt64() > 1_700_000_000);
        var choice = SimulatorCalls.Choice(completion);
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        var message = choice.GetProperty("message");
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("refusal").ValueKind);
        Assert.False(message.TryGetProperty("tool_calls", out _));

        var content = message.GetProperty("content").GetString()!;
        Assert.StartsWith("Simulated ", content, StringComparison.Ordinal);
        Assert.EndsWith(".", content, StringComparison.Ordinal);
        var words = content.Split(' ').Length;
        Assert.InRange(words, 8, 40);

        var usage = root.GetProperty("usage");
        Assert.Equal(
            usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32(),
            usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(requestId, (await SimulatorCalls.WaitForEntryAsync(fixture.Host.Journal, requestId)).SimRequestId);
    }

    [Fact]
    public async Task ChatCompletions_SamePromptTwice_ReturnsByteIdenticalContent()
    {
        using var first = await SimulatorCalls.CompleteAsync(_client, SimulatorCalls.Request("Same prompt, same answer"));
        using var second = await SimulatorCalls.CompleteAsync(_client, SimulatorCalls.Request("Same prompt, same answer"));

        // Issue 21: each model writes in its own style, so only the same model repeats itself.
        using var other = await SimulatorCalls.CompleteAsync(_client, SimulatorCalls.Request("Same prompt, same answer", model: "sim-large"));

        Assert.Equal(SimulatorCalls.Content(first), SimulatorCalls.Content(second));
        Assert.NotEqual(SimulatorCalls.Content(first), SimulatorCalls.Content(other));
        Assert.NotEqual(first.RootElement.GetProperty("id").GetString(), second.RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task ChatCompletions_DifferentPrompts_ReturnDifferentContent()
    {
        using var first = await SimulatorCalls.CompleteAsync(_client, SimulatorCalls.Request("What is a lighthouse?"));
        using var second = await SimulatorCalls.CompleteAsync(_client, SimulatorCalls.Request("What is a windmill?"));

        Assert.NotEqual(SimulatorCalls.Content(first), SimulatorCalls.Content(second));
    }

    [Fact]
    public async Task ChatCompletions_ArrayContentParts_AnswersLikeTheConcatenatedString()
    {
        var arrayRequest = new JsonObject
        {
            ["model"] = "sim-small",
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "Be brief." },
                new JsonObject
                {
                    ["role"] = "user",
                    ["content"] = new JsonArray(
                        new JsonObject { ["type"] = "text", ["text"] = "Hello " },
                        new JsonObject { ["type"] = "text", ["text"] = "array world" }),
                }),
        };

        using var fromArray = await SimulatorCalls.CompleteAsync(_client, arrayRequest);
        using var fromString = await SimulatorCalls.CompleteAsync(_client, SimulatorCalls.Request("Hello array world"));

        Assert.Equal(SimulatorCalls.Content(fromString), SimulatorCalls.Content(fromArray));
    }

    [Fact]
    public async Task ChatCompletions_SeedIsLastUserMessage_EarlierTurnsDoNotChangeTheAnswer()
    {
        var conversation = new JsonObject
        {
            ["model"] = "sim-small",
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "user", ["content"] = "first question" },
                new JsonObject { ["role"] = "assistant", ["content"] = "first answer" },
                new JsonObject { ["role"] = "user", ["content"] = "the real question" }),
        };

        using var multiTurn = await SimulatorCalls.CompleteAsync(_client, conversation);
        using var singleTurn = await SimulatorCalls.CompleteAsync(_client, SimulatorCalls.Request("the real question"));

        Assert.Equal(SimulatorCalls.Content(singleTurn), SimulatorCalls.Content(multiTurn));
    }

    [Fact]
    public async Task ChatCompletions_MaxTokensBelowAnswer_TruncatesWithLengthFinish()
    {
        const string Prompt = "A prompt whose answer will be cut";
        using var full = await SimulatorCalls.CompleteAsync(_client, SimulatorCalls.Request(Prompt));
        var capped = SimulatorCalls.Request(Prompt);
        capped["max_tokens"] = 5;

        using var completion = await SimulatorCalls.CompleteAsync(_client, capped);

        Assert.Equal("length", SimulatorCalls.Choice(completion).GetProperty("finish_reason").GetString());
        var content = SimulatorCalls.Content(completion);
        Assert.StartsWith(content, SimulatorCalls.Content(full), StringComparison.Ordinal);
        Assert.True(content.Length < SimulatorCalls.Content(full).Length);
        var completionTokens = completion.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        Assert.InRange(completionTokens, 1, 5);
    }

    [Fact]
    public async Task ChatCompletions_MaxCompletionTokensAboveAnswer_FinishesWithStop()
    {
        var request = SimulatorCalls.Request("Plenty of room");
        request["max_completion_tokens"] = 4096;

        using var completion = await SimulatorCalls.CompleteAsync(_client, request);

        Assert.Equal("stop", SimulatorCalls.Choice(completion).GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task ChatCompletions_QueryString_IsIgnored()
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "chat/completions?api-version=2024-01-01&beta=true")
        {
            Content = new StringContent(SimulatorCalls.Request("query strings").ToJsonString()),
        };

        using var response = await _client.SendAsync(message);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ChatCompletions_UnknownModel_Returns404ModelNotFound()
    {
        using var response = await SimulatorCalls.PostAsync(_client, SimulatorCalls.Request("hi", model: "gpt-4o"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = await ReadErrorAsync(response);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Contains("gpt-4o", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(SimulatorOutcome.Rejected, (await SimulatorCalls.WaitForEntryAsync(fixture.Host.Journal, SimulatorCalls.ReadId(response))).Outcome);
    }

    [Theory]
    [InlineData("{\"model\":\"sim-small\",\"messages\":[")]
    [InlineData("not json at all")]
    [InlineData("")]
    public async Task ChatCompletions_MalformedJson_Returns400OpenAiError(string body)
    {
        using var response = await SimulatorCalls.PostRawAsync(_client, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ReadErrorAsync(response);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    [Theory]
    [InlineData("{\"model\":\"sim-small\"}", "messages")]
    [InlineData("{\"model\":\"sim-small\",\"messages\":[]}", "messages")]
    [InlineData("{\"model\":\"sim-small\",\"messages\":\"hello\"}", "messages")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "model")]
    [InlineData("{\"model\":\"sim-small\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":0}", "max_tokens")]
    [InlineData("{\"model\":\"sim-small\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":\"yes\"}", "stream")]
    public async Task ChatCompletions_InvalidRequest_Returns400NamingTheParameter(string body, string param)
    {
        using var response = await SimulatorCalls.PostRawAsync(_client, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ReadErrorAsync(response);
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task Models_Get_ListsTheThreeSimulatorModels()
    {
        using var response = await _client.GetAsync("models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var list = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("list", list.RootElement.GetProperty("object").GetString());
        var models = list.RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["sim-small", "sim-large", "sim-reasoner"], models.Take(3).Select(m => m.GetProperty("id").GetString()));
        Assert.All(models, model => Assert.Equal("model", model.GetProperty("object").GetString()));
        Assert.Equal(SimulatorModels.Served, models.Select(m => m.GetProperty("id").GetString()!));
    }

    [Theory]
    [InlineData("GET", "models")]
    [InlineData("GET", "/no/such/path")]
    [InlineData("GET", "chat/completions")]
    public async Task AnyRequest_Always_CarriesRequestIdHeader(string method, string path)
    {
        using var message = new HttpRequestMessage(new HttpMethod(method), path);

        using var response = await _client.SendAsync(message);

        Assert.StartsWith("simreq_", SimulatorCalls.ReadId(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownPath_Get_Returns404OpenAiError()
    {
        using var response = await _client.GetAsync("/v1/embeddings");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = await ReadErrorAsync(response);
        Assert.Contains("/v1/embeddings", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static async Task<JsonElement> ReadErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("error").Clone();
    }
}
