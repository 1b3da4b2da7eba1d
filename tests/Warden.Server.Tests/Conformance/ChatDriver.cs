using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Warden.Server.Tests.Conformance;

/// <summary>OpenAI Chat Completions, as the OpenAI SDKs and Qwen Code speak it.</summary>
internal sealed class ChatDriver : ClientDriver
{
    public override string Name => "chat";

    public override HttpRequestMessage BuildRequest(Uri baseUrl, string key, string model, Conversation conversation, bool stream)
    {
        var body = new JsonObject { ["model"] = model, ["messages"] = conversation.History.DeepClone(), ["stream"] = stream };
        if (stream)
        {
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        if (conversation.WithTools)
        {
            body["tools"] = new JsonArray([.. Tools.Select(t => (JsonNode)new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = t.Name, ["description"] = t.Description, ["parameters"] = Schema(t.Schema) },
            })]);
        }

        if (conversation.Reasoning)
        {
            body["reasoning_effort"] = "low";
        }

        var request = Post(new Uri(baseUrl, "v1/chat/completions"), body);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    public override Observed ParseJson(JsonNode body)
    {
        var observed = new Observed { Model = (string?)body["model"], ClosedProperly = true };
        var message = body["choices"]![0]!["message"]!;
        observed.Text = (string?)message["content"] ?? "";
        observed.ReasoningText = (string?)message["reasoning_content"] ?? "";
        foreach (var call in message["tool_calls"]?.AsArray() ?? [])
        {
            observed.ToolCalls.Add(new ObservedToolCall((string)call!["id"]!, (string)call["function"]!["name"]!, (string)call["function"]!["arguments"]!));
        }

        observed.Stop = Stop((string?)body["choices"]![0]!["finish_reason"]);
        ReadUsage(observed, body["usage"]);
        return observed;
    }

    public override Observed ParseStream(string body)
    {
        var observed = new Observed();
        var calls = new SortedDictionary<int, (string Id, string Name, string Args)>();
        bool done = false;
        foreach (var (_, data) in SseEvents(body))
        {
            if (data == "[DONE]")
            {
                done = true;
                continue;
            }

            var chunk = JsonNode.Parse(data)!;
            if (chunk["error"] is { } error)
            {
                observed.StreamError = (string?)error["message"];
                continue;
            }

            observed.Model ??= (string?)chunk["model"];
            ReadUsage(observed, chunk["usage"]);
            foreach (var choice in chunk["choices"]?.AsArray() ?? [])
            {
                var delta = choice!["delta"];
                observed.Text += (string?)delta?["content"] ?? "";
                observed.ReasoningText += (string?)delta?["reasoning_content"] ?? "";
                foreach (var call in delta?["tool_calls"]?.AsArray() ?? [])
                {
                    int index = (int)call!["index"]!;
                    calls.TryGetValue(index, out var current);
                    calls[index] = (
                        (string?)call["id"] ?? current.Id,
                        (string?)call["function"]?["name"] ?? current.Name,
                        (current.Args ?? "") + ((string?)call["function"]?["arguments"] ?? ""));
                }

                if ((string?)choice["finish_reason"] is { } finish)
                {
                    observed.Stop = Stop(finish);
                }
            }
        }

        foreach (var call in calls.Values)
        {
            observed.ToolCalls.Add(new ObservedToolCall(call.Id, call.Name, call.Args));
        }

        observed.ClosedProperly = done && observed.Stop is not null;
        return observed;
    }

    public override void AddUser(Conversation conversation, string text) =>
        conversation.History.Add(new JsonObject { ["role"] = "user", ["content"] = text });

    public override void AddAssistant(Conversation conversation, Observed answer)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = answer.Text.Length > 0 ? answer.Text : null };
        if (answer.ToolCalls.Count > 0)
        {
            message["tool_calls"] = new JsonArray([.. answer.ToolCalls.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id,
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.ArgumentsJson },
            })]);
        }

        conversation.History.Add(message);
    }

    public override void AddToolResults(Conversation conversation, IReadOnlyList<ObservedToolCall> calls, string result)
    {
        foreach (var call in calls)
        {
            // Qwen Code sends tool content as an array of text parts.
            conversation.History.Add(new JsonObject
            {
                ["role"] = "tool",
                ["tool_call_id"] = call.Id,
                ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = result }),
            });
        }
    }

    public override string ErrorMessage(JsonNode body)
    {
        var error = body["error"]!;
        Assert.NotNull((string?)error["type"]);
        return (string)error["message"]!;
    }

    private static string? Stop(string? finish) => finish switch
    {
        null => null,
        "stop" => "end",
        "tool_calls" => "tool",
        "length" => "max",
        _ => finish,
    };

    private static void ReadUsage(Observed observed, JsonNode? usage)
    {
        if (usage is null)
        {
            return;
        }

        observed.InputTokens = (long?)usage["prompt_tokens"];
        observed.OutputTokens = (long?)usage["completion_tokens"];
    }
}
