using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

/// <summary>Builds chat requests and reads their answers, so tests state only what they check.</summary>
internal static class SimulatorCalls
{
    public static JsonObject Request(string prompt, string model = "sim-small", bool stream = false, bool? includeUsage = null)
    {
        var request = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
        };
        if (stream)
        {
            request["stream"] = true;
        }

        if (includeUsage is { } include)
        {
            request["stream_options"] = new JsonObject { ["include_usage"] = include };
        }

        return request;
    }

    public static JsonArray WeatherAndTimeTools() => (JsonArray)JsonNode.Parse("""
        [
          {"type":"function","function":{"name":"get_weather","description":"Weather for a place",
            "parameters":{"type":"object","properties":{
              "location":{"type":"string"},
              "unit":{"type":"string","enum":["celsius","fahrenheit"]},
              "days":{"type":"integer"},
              "detailed":{"type":"boolean"},
              "note":{"type":["string","null"]},
              "hours":{"type":"array","items":{"type":"integer"}},
              "options":{"type":"object"}},
              "required":["location","unit","days","detailed","note","hours","options"]}}},
          {"type":"function","function":{"name":"get_time","description":"Time in a city",
            "parameters":{"type":"object","properties":{"city":{"type":"string"},"format":{"type":"string"}}}}}
        ]
        """)!;

    public static async Task<HttpResponseMessage> PostAsync(
        HttpClient client,
        JsonObject request,
        string? fault = null,
        CancellationToken cancellationToken = default)
    {
        return await PostRawAsync(client, request.ToJsonString(), fault, cancellationToken);
    }

    public static async Task<HttpResponseMessage> PostRawAsync(
        HttpClient client,
        string body,
        string? fault = null,
        CancellationToken cancellationToken = default)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "chat/completions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (fault is not null)
        {
            message.Headers.Add("x-simulator-fault", fault);
        }

        return await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>Posts a non-streamed request and returns the parsed completion (asserting 200).</summary>
    public static async Task<JsonDocument> CompleteAsync(HttpClient client, JsonObject request, string? fault = null)
    {
        using var response = await PostAsync(client, request, fault);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body);
    }

    /// <summary>Posts a streamed request and returns every event's data, [DONE] included.</summary>
    public static async Task<List<string>> StreamAsync(HttpClient client, JsonObject request, string? fault = null)
    {
        using var response = await PostAsync(client, request, fault);
        return await ReadEventsAsync(response);
    }

    /// <summary>Reads a streamed answer to the end (asserting 200 and the event-stream type) and returns every event's data, [DONE] included.</summary>
    public static async Task<List<string>> ReadEventsAsync(HttpResponseMessage response)
    {
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var events = new List<string>();
        await foreach (var item in SseParser.Create(stream).EnumerateAsync())
        {
            events.Add(item.Data);
        }

        return events;
    }

    public static JsonDocument[] ParseChunks(IEnumerable<string> events) =>
        events.Where(data => data != "[DONE]").Select(data => JsonDocument.Parse(data)).ToArray();

    public static JsonElement Choice(JsonDocument chunk) => chunk.RootElement.GetProperty("choices")[0];

    public static JsonElement Message(JsonDocument completion) => Choice(completion).GetProperty("message");

    public static string Content(JsonDocument completion) => Message(completion).GetProperty("content").GetString()!;

    /// <summary>Concatenates one delta field across chunks, in order.</summary>
    public static string Concat(IEnumerable<JsonDocument> chunks, string field)
    {
        var builder = new StringBuilder();
        foreach (var chunk in chunks)
        {
            var choices = chunk.RootElement.GetProperty("choices");
            if (choices.GetArrayLength() > 0
                && choices[0].GetProperty("delta").TryGetProperty(field, out var value)
                && value.ValueKind == JsonValueKind.String)
            {
                builder.Append(value.GetString());
            }
        }

        return builder.ToString();
    }

    public static string ReadId(HttpResponseMessage response) => Assert.Single(response.Headers.GetValues("x-request-id"));

    /// <summary>
    /// The journal entry for a request. It lands in the handler's last step, which can trail what the client
    /// sees (a Content-Length body is complete, or an aborted connection is reset, before the handler
    /// returns), so this polls (at most ~5 s, a hang guard only) until it is there.
    /// </summary>
    public static async Task<SimulatorJournalEntry> WaitForEntryAsync(SimulatorJournal journal, string id)
    {
        const int Attempts = 500;
        const int StepMs = 10;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            if (journal.Find(id) is { } entry)
            {
                return entry;
            }

            await Task.Delay(StepMs);
        }

        throw new TimeoutException($"No journal entry for {id} after {Attempts} polls of {StepMs} ms.");
    }
}
