using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Warden.Server.Tests.Conformance;

/// <summary>A conversation in one client protocol's own shape, as a real client keeps it.</summary>
internal sealed class Conversation
{
    public JsonArray History { get; } = [];

    public bool WithTools { get; init; }

    public bool Reasoning { get; init; }
}

/// <summary>
/// One client protocol, written from its public documentation and the captures in shared/wire: builds requests the
/// way that protocol's clients do and reads answers the way they do. Independent of Warden's codecs on purpose.
/// </summary>
internal abstract class ClientDriver
{
    public static readonly ClientDriver Chat = new ChatDriver();
    public static readonly ClientDriver Anthropic = new AnthropicDriver();
    public static readonly ClientDriver Responses = new ResponsesDriver();
    public static readonly ClientDriver Gemini = new GeminiDriver();

    public static ClientDriver ByName(string name) => name switch
    {
        "chat" => Chat,
        "anthropic" => Anthropic,
        "responses" => Responses,
        "gemini" => Gemini,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>The tools every tool scenario declares; a prompt that names a tool makes the simulator call it.</summary>
    protected static readonly (string Name, string Description, string Schema)[] Tools =
    [
        ("get_weather", "Weather for a city", """{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}"""),
        ("get_time", "Local time in a zone", """{"type":"object","properties":{"zone":{"type":"string"}},"required":["zone"]}"""),
    ];

    public abstract string Name { get; }

    public abstract HttpRequestMessage BuildRequest(Uri baseUrl, string key, string model, Conversation conversation, bool stream);

    public abstract Observed ParseJson(JsonNode body);

    public abstract Observed ParseStream(string body);

    public abstract void AddUser(Conversation conversation, string text);

    public abstract void AddAssistant(Conversation conversation, Observed answer);

    public abstract void AddToolResults(Conversation conversation, IReadOnlyList<ObservedToolCall> calls, string result);

    /// <summary>Asserts the body is this protocol's error JSON and returns its message.</summary>
    public abstract string ErrorMessage(JsonNode body);

    public override string ToString() => Name;

    protected static HttpRequestMessage Post(Uri url, JsonObject body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return request;
    }

    protected static JsonNode Schema(string json) => JsonNode.Parse(json)!;

    /// <summary>The data lines of an SSE body, event by event, with each event's type ("message" when none).</summary>
    protected static List<(string Event, string Data)> SseEvents(string body)
    {
        var events = new List<(string, string)>();
        string type = "message";
        var data = new StringBuilder();
        foreach (string raw in body.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    events.Add((type, data.ToString()));
                }

                type = "message";
                data.Clear();
                continue;
            }

            if (line.StartsWith(':'))
            {
                continue;
            }

            if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                type = line["event:".Length..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                if (data.Length > 0)
                {
                    data.Append('\n');
                }

                data.Append(line["data:".Length..].TrimStart(' '));
            }
        }

        if (data.Length > 0)
        {
            events.Add((type, data.ToString()));
        }

        return events;
    }
}
