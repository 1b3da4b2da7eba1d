using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

/// <summary>One server-sent event: its event name ("message" when unnamed) and data.</summary>
internal sealed record SseEvent(string Name, string Data)
{
    public JsonDocument Parse() => JsonDocument.Parse(Data);
}

/// <summary>Builds Anthropic, Responses and Gemini requests and reads their answers, so tests state only what they check.</summary>
internal static class SimulatorDialectCalls
{
    public static JsonObject Anthropic(string prompt, string model = "sim-small", bool stream = false, int maxTokens = 1024)
    {
        var request = new JsonObject
        {
            ["model"] = model,
            ["max_tokens"] = maxTokens,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
        };
        if (stream)
        {
            request["stream"] = true;
        }

        return request;
    }

    public static JsonObject Responses(string prompt, string model = "sim-small", bool stream = false)
    {
        var request = new JsonObject
        {
            ["model"] = model,
            ["input"] = new JsonArray(new JsonObject
            {
                ["type"] = "message",
                ["role"] = "user",
                ["content"] = new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = prompt }),
            }),
        };
        if (stream)
        {
            request["stream"] = true;
        }

        return request;
    }

    public static JsonObject Gemini(string prompt) => new()
    {
        ["contents"] = new JsonArray(new JsonObject
        {
            ["role"] = "user",
            ["parts"] = new JsonArray(new JsonObject { ["text"] = prompt }),
        }),
    };

    /// <summary>The weather/time tools of <see cref="SimulatorCalls.WeatherAndTimeTools"/> in Anthropic's shape.</summary>
    public static JsonArray AnthropicTools() => new([.. SimulatorCalls.WeatherAndTimeTools().Select(tool => (JsonNode?)new JsonObject
    {
        ["name"] = tool!["function"]!["name"]!.DeepClone(),
        ["description"] = tool["function"]!["description"]!.DeepClone(),
        ["input_schema"] = tool["function"]!["parameters"]!.DeepClone(),
    })]);

    /// <summary>The same tools in Responses' flat shape.</summary>
    public static JsonArray ResponsesTools() => new([.. SimulatorCalls.WeatherAndTimeTools().Select(tool => (JsonNode?)new JsonObject
    {
        ["type"] = "function",
        ["name"] = tool!["function"]!["name"]!.DeepClone(),
        ["description"] = tool["function"]!["description"]!.DeepClone(),
        ["parameters"] = tool["function"]!["parameters"]!.DeepClone(),
    })]);

    /// <summary>The same tools as Gemini functionDeclarations (JSON Schema via parametersJsonSchema).</summary>
    public static JsonArray GeminiTools() => new(new JsonObject
    {
        ["functionDeclarations"] = new JsonArray([.. SimulatorCalls.WeatherAndTimeTools().Select(tool => (JsonNode?)new JsonObject
        {
            ["name"] = tool!["function"]!["name"]!.DeepClone(),
            ["description"] = tool["function"]!["description"]!.DeepClone(),
            ["parametersJsonSchema"] = tool["function"]!["parameters"]!.DeepClone(),
        })]),
    });

    /// <summary>Posts JSON to a path (relative to the client's /v1/ base, or absolute) with optional headers, reading headers only.</summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, JsonNode body, string? fault = null, params (string Name, string Value)[] headers)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (fault is not null)
        {
            message.Headers.Add("x-simulator-fault", fault);
        }

        foreach (var (name, value) in headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>Posts a non-streamed request and returns the parsed body (asserting 200).</summary>
    public static async Task<JsonDocument> CompleteAsync(HttpClient client, string path, JsonNode body, string? fault = null)
    {
        using var response = await PostAsync(client, path, body, fault);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text);
    }

    /// <summary>Posts a streamed request and returns every event (asserting 200 and text/event-stream).</summary>
    public static async Task<List<SseEvent>> StreamAsync(HttpClient client, string path, JsonNode body, string? fault = null)
    {
        using var response = await PostAsync(client, path, body, fault);
        return await ReadEventsAsync(response);
    }

    public static async Task<List<SseEvent>> ReadEventsAsync(HttpResponseMessage response)
    {
        var events = new List<SseEvent>();
        var failure = await ReadEventsUntilEndAsync(response, events);
        Assert.Null(failure);
        return events;
    }

    /// <summary>Reads events until the stream ends or breaks; returns the exception that broke it (null at a clean end).</summary>
    public static async Task<Exception?> ReadEventsUntilEndAsync(HttpResponseMessage response, List<SseEvent> events)
    {
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync();
        return await Record.ExceptionAsync(async () =>
        {
            await foreach (var item in SseParser.Create(stream).EnumerateAsync())
            {
                events.Add(new SseEvent(item.EventType, item.Data));
            }
        });
    }

    /// <summary>The error object of an error body: OpenAI's and Gemini's "error", Anthropic's "error" under type "error".</summary>
    public static async Task<JsonElement> ReadErrorAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("error").Clone();
    }

    public static Task<SimulatorJournalEntry> EntryAsync(SimulatorFixture fixture, HttpResponseMessage response) =>
        SimulatorCalls.WaitForEntryAsync(fixture.Host.Journal, SimulatorCalls.ReadId(response));

    /// <summary>The answer text Chat gives for a prompt, to compare dialects against.</summary>
    public static async Task<string> ChatTextAsync(HttpClient client, string prompt, string model = "sim-small")
    {
        using var completion = await SimulatorCalls.CompleteAsync(client, SimulatorCalls.Request(prompt, model));
        return SimulatorCalls.Content(completion);
    }

    /// <summary>A prompt long enough (over 1024 simulated tokens with the history) for cached tokens to appear.</summary>
    public static string LongText() => string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet ", 240));
}
