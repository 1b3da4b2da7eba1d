using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Warden.Server.Tests.Conformance;

/// <summary>OpenAI Responses, as Codex CLI speaks it: store:false, full history re-sent, items built from output_item.done.</summary>
internal sealed class ResponsesDriver : ClientDriver
{
    public override string Name => "responses";

    public override HttpRequestMessage BuildRequest(Uri baseUrl, string key, string model, Conversation conversation, bool stream)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["input"] = conversation.History.DeepClone(),
            ["stream"] = stream,
            ["store"] = false,
            ["include"] = new JsonArray("reasoning.encrypted_content"),
            ["parallel_tool_calls"] = true,
        };
        if (conversation.WithTools)
        {
            body["tools"] = new JsonArray([.. Tools.Select(t => (JsonNode)new JsonObject
            {
                ["type"] = "function", ["name"] = t.Name, ["description"] = t.Description, ["parameters"] = Schema(t.Schema), ["strict"] = false,
            })]);
            body["tool_choice"] = "auto";
        }

        if (conversation.Reasoning)
        {
            body["reasoning"] = new JsonObject { ["effort"] = "low", ["summary"] = "auto" };
        }

        var request = Post(new Uri(baseUrl, "v1/responses"), body);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    public override Observed ParseJson(JsonNode body)
    {
        Assert.Equal("response", (string?)body["object"]);
        var observed = new Observed { Model = (string?)body["model"], ClosedProperly = true };
        ReadItems(observed, body["output"]!.AsArray());
        observed.Stop = Stop(body);
        ReadUsage(observed, body["usage"]);
        return observed;
    }

    public override Observed ParseStream(string body)
    {
        var observed = new Observed();
        var done = new JsonArray();
        bool completed = false;
        long lastSequence = -1;
        foreach (var (_, data) in SseEvents(body))
        {
            var payload = JsonNode.Parse(data)!;
            if ((long?)payload["sequence_number"] is { } sequence)
            {
                Assert.True(sequence > lastSequence, "sequence numbers must increase");
                lastSequence = sequence;
            }

            switch ((string?)payload["type"])
            {
                case "response.created":
                    observed.Model = (string?)payload["response"]!["model"];
                    break;
                case "response.output_item.done":
                    // Codex builds its items from these events, not from the deltas.
                    done.Add(payload["item"]!.DeepClone());
                    break;
                case "response.completed":
                case "response.incomplete":
                    completed = true;
                    observed.Stop = Stop(payload["response"]!);
                    ReadUsage(observed, payload["response"]!["usage"]);
                    break;
                case "response.failed":
                    observed.StreamError = (string?)payload["response"]?["error"]?["message"] ?? "failed";
                    break;
                case "error":
                    observed.StreamError = (string?)payload["message"] ?? (string?)payload["error"]?["message"] ?? "error";
                    break;
                default:
                    break;
            }
        }

        ReadItems(observed, done);
        observed.ClosedProperly = completed;
        return observed;
    }

    public override void AddUser(Conversation conversation, string text) =>
        conversation.History.Add(new JsonObject
        {
            ["type"] = "message",
            ["role"] = "user",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = text }),
        });

    public override void AddAssistant(Conversation conversation, Observed answer)
    {
        // Codex echoes every output item back as received, encrypted reasoning included.
        foreach (var item in answer.EchoItem!.AsArray())
        {
            conversation.History.Add(item!.DeepClone());
        }
    }

    public override void AddToolResults(Conversation conversation, IReadOnlyList<ObservedToolCall> calls, string result)
    {
        foreach (var call in calls)
        {
            conversation.History.Add(new JsonObject { ["type"] = "function_call_output", ["call_id"] = call.Id, ["output"] = result });
        }
    }

    public override string ErrorMessage(JsonNode body)
    {
        var error = body["error"]!;
        Assert.NotNull((string?)error["type"]);
        return (string)error["message"]!;
    }

    private static void ReadItems(Observed observed, JsonArray items)
    {
        var echo = new JsonArray();
        foreach (var item in items)
        {
            switch ((string?)item!["type"])
            {
                case "message":
                    foreach (var part in item["content"]!.AsArray())
                    {
                        if ((string?)part!["type"] == "output_text")
                        {
                            observed.Text += (string?)part["text"];
                        }
                    }

                    break;
                case "function_call":
                    observed.ToolCalls.Add(new ObservedToolCall((string)item["call_id"]!, (string)item["name"]!, (string)item["arguments"]!));
                    break;
                case "reasoning":
                    foreach (var summary in item["summary"]?.AsArray() ?? [])
                    {
                        observed.ReasoningText += (string?)summary!["text"];
                    }

                    if ((string?)item["encrypted_content"] is { Length: > 0 } encrypted)
                    {
                        observed.Opaque.Add(encrypted);
                    }

                    break;
                default:
                    break;
            }

            echo.Add(item.DeepClone());
        }

        observed.EchoItem = echo;
    }

    private static string? Stop(JsonNode response) => (string?)response["status"] switch
    {
        "completed" => response["output"]?.AsArray().Any(i => (string?)i!["type"] == "function_call") == true ? "tool" : "end",
        "incomplete" => (string?)response["incomplete_details"]?["reason"] == "max_output_tokens" ? "max" : "incomplete",
        var other => other,
    };

    private static void ReadUsage(Observed observed, JsonNode? usage)
    {
        if (usage is null)
        {
            return;
        }

        observed.InputTokens = (long?)usage["input_tokens"];
        observed.OutputTokens = (long?)usage["output_tokens"];
    }
}
