using System.Text.Json.Nodes;

namespace Warden.Server.Tests.Conformance;

/// <summary>Gemini v1beta, as Gemini CLI and the GenAI SDK speak it (x-goog-api-key, alt=sse, parametersJsonSchema).</summary>
internal sealed class GeminiDriver : ClientDriver
{
    public override string Name => "gemini";

    public override HttpRequestMessage BuildRequest(Uri baseUrl, string key, string model, Conversation conversation, bool stream)
    {
        var body = new JsonObject { ["contents"] = conversation.History.DeepClone() };
        if (conversation.WithTools)
        {
            body["tools"] = new JsonArray(new JsonObject
            {
                ["functionDeclarations"] = new JsonArray([.. Tools.Select(t => (JsonNode)new JsonObject
                {
                    ["name"] = t.Name, ["description"] = t.Description, ["parametersJsonSchema"] = Schema(t.Schema),
                })]),
            });
        }

        var generation = new JsonObject { ["temperature"] = 1 };
        if (conversation.Reasoning)
        {
            generation["thinkingConfig"] = new JsonObject { ["includeThoughts"] = true, ["thinkingLevel"] = "LOW" };
        }

        body["generationConfig"] = generation;
        string action = stream ? "streamGenerateContent?alt=sse" : "generateContent";
        var request = Post(new Uri(baseUrl, $"v1beta/models/{model}:{action}"), body);
        request.Headers.Add("x-goog-api-key", key);
        return request;
    }

    public override Observed ParseJson(JsonNode body)
    {
        var observed = new Observed { ClosedProperly = true };
        var echo = new JsonArray();
        ReadChunk(observed, body, echo);
        observed.EchoItem = echo;
        return observed;
    }

    public override Observed ParseStream(string body)
    {
        var observed = new Observed();
        var echo = new JsonArray();
        JsonNode? last = null;
        foreach (var (_, data) in SseEvents(body))
        {
            var chunk = JsonNode.Parse(data)!;
            if (chunk["error"] is { } error)
            {
                observed.StreamError = (string?)error["message"];
                continue;
            }

            ReadChunk(observed, chunk, echo);
            last = chunk;
        }

        observed.EchoItem = echo;

        // Gemini CLI needs finishReason and usageMetadata on the last chunk.
        observed.ClosedProperly = last?["candidates"]?[0]?["finishReason"] is not null && last["usageMetadata"] is not null;
        return observed;
    }

    public override void AddUser(Conversation conversation, string text) =>
        conversation.History.Add(new JsonObject { ["role"] = "user", ["parts"] = new JsonArray(new JsonObject { ["text"] = text }) });

    public override void AddAssistant(Conversation conversation, Observed answer) =>
        conversation.History.Add(new JsonObject { ["role"] = "model", ["parts"] = answer.EchoItem!.DeepClone() });

    public override void AddToolResults(Conversation conversation, IReadOnlyList<ObservedToolCall> calls, string result) =>
        conversation.History.Add(new JsonObject
        {
            ["role"] = "user",
            ["parts"] = new JsonArray([.. calls.Select(c => (JsonNode)new JsonObject
            {
                ["functionResponse"] = new JsonObject { ["id"] = c.Id, ["name"] = c.Name, ["response"] = new JsonObject { ["output"] = result } },
            })]),
        });

    public override string ErrorMessage(JsonNode body)
    {
        var error = body["error"]!;
        Assert.NotNull((int?)error["code"]);
        Assert.NotNull((string?)error["status"]);
        return (string)error["message"]!;
    }

    private static void ReadChunk(Observed observed, JsonNode chunk, JsonArray echo)
    {
        observed.Model ??= (string?)chunk["modelVersion"];
        var candidate = chunk["candidates"]?[0];
        foreach (var part in candidate?["content"]?["parts"]?.AsArray() ?? [])
        {
            if ((string?)part!["thoughtSignature"] is { Length: > 0 } signature)
            {
                observed.Opaque.Add(signature);
            }

            if (part["functionCall"] is { } call)
            {
                observed.ToolCalls.Add(new ObservedToolCall((string?)call["id"] ?? (string)call["name"]!, (string)call["name"]!, call["args"]?.ToJsonString() ?? "{}"));
            }
            else if ((bool?)part["thought"] == true)
            {
                observed.ReasoningText += (string?)part["text"];
            }
            else if ((string?)part["text"] is { } text)
            {
                observed.Text += text;
            }

            echo.Add(part.DeepClone());
        }

        if ((string?)candidate?["finishReason"] is { } finish)
        {
            observed.Stop = finish switch
            {
                "STOP" => observed.ToolCalls.Count > 0 ? "tool" : "end",
                "MAX_TOKENS" => "max",
                _ => finish,
            };
        }

        if (chunk["usageMetadata"] is { } usage)
        {
            // candidatesTokenCount leaves thoughts out; canonical output adds them back.
            observed.InputTokens = (long?)usage["promptTokenCount"];
            observed.OutputTokens = ((long?)usage["candidatesTokenCount"] ?? 0) + ((long?)usage["thoughtsTokenCount"] ?? 0);
        }
    }
}
