using System.Text.Json.Nodes;

namespace Warden.Server.Tests.Conformance;

/// <summary>Anthropic Messages, as Claude Code and the Anthropic SDKs speak it.</summary>
internal sealed class AnthropicDriver : ClientDriver
{
    public override string Name => "anthropic";

    public override HttpRequestMessage BuildRequest(Uri baseUrl, string key, string model, Conversation conversation, bool stream)
    {
        var body = new JsonObject { ["model"] = model, ["max_tokens"] = 4096, ["messages"] = conversation.History.DeepClone(), ["stream"] = stream };
        if (conversation.WithTools)
        {
            body["tools"] = new JsonArray([.. Tools.Select(t => (JsonNode)new JsonObject
            {
                ["name"] = t.Name, ["description"] = t.Description, ["input_schema"] = Schema(t.Schema),
            })]);
        }

        if (conversation.Reasoning)
        {
            body["thinking"] = new JsonObject { ["type"] = "enabled", ["budget_tokens"] = 2048 };
        }

        // Claude Code's query and headers: ?beta=true, x-api-key, a version and a beta list.
        var request = Post(new Uri(baseUrl, "v1/messages?beta=true"), body);
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        request.Headers.Add("anthropic-beta", "interleaved-thinking-2025-05-14");
        return request;
    }

    public override Observed ParseJson(JsonNode body)
    {
        Assert.Equal("message", (string?)body["type"]);
        var observed = new Observed { Model = (string?)body["model"], ClosedProperly = true };
        var echo = new JsonArray();
        foreach (var block in body["content"]!.AsArray())
        {
            ReadBlock(observed, block!);
            echo.Add(block!.DeepClone());
        }

        observed.EchoItem = echo;
        observed.Stop = Stop((string?)body["stop_reason"]);
        ReadUsage(observed, body["usage"], null);
        return observed;
    }

    public override Observed ParseStream(string body)
    {
        var observed = new Observed();
        var blocks = new SortedDictionary<int, JsonObject>();
        var partialJson = new Dictionary<int, string>();
        bool stopped = false;
        bool sawDelta = false;
        JsonNode? startUsage = null;
        foreach (var (type, data) in SseEvents(body))
        {
            var payload = JsonNode.Parse(data)!;
            Assert.Equal(type, (string?)payload["type"]);
            switch (type)
            {
                case "message_start":
                    observed.Model = (string?)payload["message"]!["model"];
                    startUsage = payload["message"]!["usage"];
                    break;
                case "content_block_start":
                    int index = (int)payload["index"]!;
                    Assert.False(blocks.ContainsKey(index), $"block index {index} started twice");
                    blocks[index] = payload["content_block"]!.DeepClone().AsObject();
                    break;
                case "content_block_delta":
                    var block = blocks[(int)payload["index"]!];
                    var delta = payload["delta"]!;
                    switch ((string?)delta["type"])
                    {
                        case "text_delta": block["text"] = (string?)block["text"] + (string?)delta["text"]; break;
                        case "thinking_delta": block["thinking"] = (string?)block["thinking"] + (string?)delta["thinking"]; break;
                        case "signature_delta": block["signature"] = (string?)block["signature"] + (string?)delta["signature"]; break;
                        case "input_json_delta":
                            int i = (int)payload["index"]!;
                            partialJson[i] = partialJson.GetValueOrDefault(i, "") + (string?)delta["partial_json"];
                            break;
                        default: break;
                    }

                    break;
                case "content_block_stop":
                    break;
                case "message_delta":
                    sawDelta = true;
                    observed.Stop = Stop((string?)payload["delta"]!["stop_reason"]);
                    ReadUsage(observed, payload["usage"], startUsage);
                    break;
                case "message_stop":
                    stopped = true;
                    break;
                case "error":
                    observed.StreamError = (string?)payload["error"]!["message"];
                    break;
                default:
                    break;
            }
        }

        var echo = new JsonArray();
        foreach (var (index, block) in blocks)
        {
            if ((string?)block["type"] == "tool_use")
            {
                string json = partialJson.GetValueOrDefault(index, "");
                block["input"] = JsonNode.Parse(json.Length == 0 ? "{}" : json);
            }

            ReadBlock(observed, block);
            echo.Add(block.DeepClone());
        }

        observed.EchoItem = echo;
        observed.ClosedProperly = stopped && sawDelta;
        return observed;
    }

    public override void AddUser(Conversation conversation, string text) =>
        conversation.History.Add(new JsonObject { ["role"] = "user", ["content"] = text });

    public override void AddAssistant(Conversation conversation, Observed answer) =>
        conversation.History.Add(new JsonObject { ["role"] = "assistant", ["content"] = answer.EchoItem!.DeepClone() });

    public override void AddToolResults(Conversation conversation, IReadOnlyList<ObservedToolCall> calls, string result) =>
        conversation.History.Add(new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray([.. calls.Select(c => (JsonNode)new JsonObject
            {
                ["type"] = "tool_result", ["tool_use_id"] = c.Id, ["content"] = result, ["is_error"] = false,
            })]),
        });

    public override string ErrorMessage(JsonNode body)
    {
        Assert.Equal("error", (string?)body["type"]);
        Assert.NotNull((string?)body["error"]!["type"]);
        Assert.NotNull((string?)body["request_id"]);
        return (string)body["error"]!["message"]!;
    }

    private static void ReadBlock(Observed observed, JsonNode block)
    {
        switch ((string?)block["type"])
        {
            case "text":
                observed.Text += (string?)block["text"];
                break;
            case "thinking":
                observed.ReasoningText += (string?)block["thinking"];
                if ((string?)block["signature"] is { Length: > 0 } signature)
                {
                    observed.Opaque.Add(signature);
                }

                break;
            case "redacted_thinking":
                observed.Opaque.Add((string)block["data"]!);
                break;
            case "tool_use":
                observed.ToolCalls.Add(new ObservedToolCall((string)block["id"]!, (string)block["name"]!, block["input"]!.ToJsonString()));
                break;
            default:
                break;
        }
    }

    private static string? Stop(string? reason) => reason switch
    {
        null => null,
        "end_turn" => "end",
        "tool_use" => "tool",
        "max_tokens" => "max",
        _ => reason,
    };

    /// <summary>Anthropic's input_tokens leave cache reads and writes out; the canonical input adds them back.</summary>
    private static void ReadUsage(Observed observed, JsonNode? usage, JsonNode? startUsage)
    {
        if (usage is null)
        {
            return;
        }

        JsonNode? Pick(string name) => usage[name] ?? startUsage?[name];
        if (Pick("input_tokens") is { } input)
        {
            observed.InputTokens = (long)input + ((long?)Pick("cache_read_input_tokens") ?? 0) + ((long?)Pick("cache_creation_input_tokens") ?? 0);
        }

        observed.OutputTokens = (long?)usage["output_tokens"];
    }
}
