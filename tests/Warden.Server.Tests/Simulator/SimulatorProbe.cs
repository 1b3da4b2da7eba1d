using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Warden.Server.Tests.Simulator;

/// <summary>One message of a probe conversation: role "user" or "assistant" (mapped to each dialect's names).</summary>
internal sealed record ProbeMessage(string Role, string Text);

/// <summary>What a probe read back, the same way in every dialect, streamed or not; Finish is "stop", "length" or "tool".</summary>
internal sealed record ProbeReply(string Text, string Finish, int InputTokens, int OutputTokens, IReadOnlyList<string> ToolNames, string Model)
{
    public int Words => Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
}

/// <summary>
/// Sends a conversation to the simulator in any of the four dialects and reads the answer's text, finish, usage, tool
/// names and model, so the audit behaviour tests (issue 21) state only what they check.
/// </summary>
internal static class SimulatorProbe
{
    public static readonly string[] Dialects = ["chat", "responses", "anthropic", "gemini"];

    public static IReadOnlyList<ProbeMessage> Ask(string prompt) => [new ProbeMessage("user", prompt)];

    public static JsonObject Body(string dialect, IReadOnlyList<ProbeMessage> messages, string model, bool stream, double? temperature, int? maxTokens, string? system, long? seed = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return dialect switch
        {
            "chat" => ChatBody(messages, model, stream, temperature, maxTokens, system, seed),
            "responses" => ResponsesBody(messages, model, stream, temperature, maxTokens, system, seed),
            "anthropic" => AnthropicBody(messages, model, stream, temperature, maxTokens, system, seed),
            _ => GeminiBody(messages, model, stream, temperature, maxTokens, system, seed),
        };
    }

    public static async Task<ProbeReply> AskAsync(
        HttpClient client,
        string dialect,
        string model,
        bool stream,
        IReadOnlyList<ProbeMessage> messages,
        double? temperature = null,
        int? maxTokens = null,
        string? system = null,
        long? seed = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var path = SimulatorDialectCase.For(dialect).Path(stream, model: model);
        var body = Body(dialect, messages, model, stream, temperature, maxTokens, system, seed);
        using var message = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        using var response = await client.SendAsync(message);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        var reader = new Reader();
        if (stream)
        {
            using var bytes = new MemoryStream(Encoding.UTF8.GetBytes(text));
            foreach (var item in SseParser.Create(bytes).Enumerate())
            {
                if (item.Data != "[DONE]")
                {
                    using var document = JsonDocument.Parse(item.Data);
                    reader.ReadEvent(dialect, item.EventType, document.RootElement);
                }
            }
        }
        else
        {
            using var document = JsonDocument.Parse(text);
            reader.ReadWhole(dialect, document.RootElement);
        }

        return reader.Reply();
    }

    private static JsonObject ChatBody(IReadOnlyList<ProbeMessage> messages, string model, bool stream, double? temperature, int? maxTokens, string? system, long? seed)
    {
        var list = new JsonArray();
        if (system is not null)
        {
            list.Add(new JsonObject { ["role"] = "system", ["content"] = system });
        }

        foreach (var message in messages)
        {
            list.Add(new JsonObject { ["role"] = message.Role, ["content"] = message.Text });
        }

        var body = new JsonObject { ["model"] = model, ["messages"] = list };
        if (stream)
        {
            body["stream"] = true;
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        Add(body, "temperature", temperature);
        Add(body, "max_tokens", maxTokens);
        Add(body, "seed", seed);
        return body;
    }

    private static JsonObject ResponsesBody(IReadOnlyList<ProbeMessage> messages, string model, bool stream, double? temperature, int? maxTokens, string? system, long? seed)
    {
        var input = new JsonArray();
        foreach (var message in messages)
        {
            input.Add(new JsonObject
            {
                ["type"] = "message",
                ["role"] = message.Role,
                ["content"] = new JsonArray(new JsonObject { ["type"] = message.Role == "user" ? "input_text" : "output_text", ["text"] = message.Text }),
            });
        }

        var body = new JsonObject { ["model"] = model, ["input"] = input };
        if (system is not null)
        {
            body["instructions"] = system;
        }

        if (stream)
        {
            body["stream"] = true;
        }

        Add(body, "temperature", temperature);
        Add(body, "max_output_tokens", maxTokens);
        return body;
    }

    private static JsonObject AnthropicBody(IReadOnlyList<ProbeMessage> messages, string model, bool stream, double? temperature, int? maxTokens, string? system, long? seed)
    {
        var list = new JsonArray();
        foreach (var message in messages)
        {
            list.Add(new JsonObject { ["role"] = message.Role, ["content"] = message.Text });
        }

        var body = new JsonObject { ["model"] = model, ["max_tokens"] = maxTokens ?? 4096, ["messages"] = list };
        if (system is not null)
        {
            body["system"] = system;
        }

        if (stream)
        {
            body["stream"] = true;
        }

        Add(body, "temperature", temperature);
        return body;
    }

    private static JsonObject GeminiBody(IReadOnlyList<ProbeMessage> messages, string model, bool stream, double? temperature, int? maxTokens, string? system, long? seed)
    {
        var contents = new JsonArray();
        foreach (var message in messages)
        {
            contents.Add(new JsonObject
            {
                ["role"] = message.Role == "assistant" ? "model" : "user",
                ["parts"] = new JsonArray(new JsonObject { ["text"] = message.Text }),
            });
        }

        var body = new JsonObject { ["contents"] = contents };
        if (system is not null)
        {
            body["systemInstruction"] = new JsonObject { ["parts"] = new JsonArray(new JsonObject { ["text"] = system }) };
        }

        var config = new JsonObject();
        Add(config, "temperature", temperature);
        Add(config, "maxOutputTokens", maxTokens);
        Add(config, "seed", seed);
        if (config.Count > 0)
        {
            body["generationConfig"] = config;
        }

        return body;
    }

    private static void Add(JsonObject body, string name, double? value)
    {
        if (value is double number)
        {
            body[name] = number;
        }
    }

    private static void Add(JsonObject body, string name, long? value)
    {
        if (value is long number)
        {
            body[name] = number;
        }
    }

    private static void Add(JsonObject body, string name, int? value)
    {
        if (value is int number)
        {
            body[name] = number;
        }
    }

    private sealed class Reader
    {
        private readonly StringBuilder _text = new();
        private readonly List<string> _tools = [];
        private string _finish = "";
        private int _input;
        private int _output;
        private string _model = "";

        public ProbeReply Reply() => new(_text.ToString(), _tools.Count > 0 ? "tool" : _finish, _input, _output, _tools, _model);

        public void ReadWhole(string dialect, JsonElement root)
        {
            switch (dialect)
            {
                case "chat":
                    _model = root.GetProperty("model").GetString()!;
                    var message = root.GetProperty("choices")[0].GetProperty("message");
                    _text.Append(message.GetProperty("content").ValueKind == JsonValueKind.String ? message.GetProperty("content").GetString() : "");
                    ChatTools(message);
                    ChatFinish(root.GetProperty("choices")[0]);
                    ChatUsage(root.GetProperty("usage"));
                    break;
                case "responses":
                    ResponsesObject(root, withText: true);
                    break;
                case "anthropic":
                    _model = root.GetProperty("model").GetString()!;
                    foreach (var block in root.GetProperty("content").EnumerateArray())
                    {
                        if (block.GetProperty("type").GetString() == "text")
                        {
                            _text.Append(block.GetProperty("text").GetString());
                        }
                        else if (block.GetProperty("type").GetString() == "tool_use")
                        {
                            _tools.Add(block.GetProperty("name").GetString()!);
                        }
                    }

                    _finish = AnthropicFinish(root.GetProperty("stop_reason").GetString());
                    AnthropicInput(root.GetProperty("usage"));
                    _output = root.GetProperty("usage").GetProperty("output_tokens").GetInt32();
                    break;
                default:
                    GeminiChunk(root);
                    break;
            }
        }

        public void ReadEvent(string dialect, string name, JsonElement root)
        {
            switch (dialect)
            {
                case "chat":
                    _model = root.GetProperty("model").GetString()!;
                    if (root.GetProperty("choices").GetArrayLength() > 0)
                    {
                        var choice = root.GetProperty("choices")[0];
                        var delta = choice.GetProperty("delta");
                        if (delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
                        {
                            _text.Append(content.GetString());
                        }

                        ChatTools(delta);
                        ChatFinish(choice);
                    }

                    if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                    {
                        ChatUsage(usage);
                    }

                    break;
                case "responses":
                    if (name == "response.output_text.delta")
                    {
                        _text.Append(root.GetProperty("delta").GetString());
                    }
                    else if (name is "response.completed" or "response.incomplete")
                    {
                        ResponsesObject(root.GetProperty("response"), withText: false);
                    }

                    break;
                case "anthropic":
                    switch (name)
                    {
                        case "message_start":
                            _model = root.GetProperty("message").GetProperty("model").GetString()!;
                            AnthropicInput(root.GetProperty("message").GetProperty("usage"));
                            break;
                        case "content_block_start" when root.GetProperty("content_block").GetProperty("type").GetString() == "tool_use":
                            _tools.Add(root.GetProperty("content_block").GetProperty("name").GetString()!);
                            break;
                        case "content_block_delta" when root.GetProperty("delta").TryGetProperty("text", out var piece):
                            _text.Append(piece.GetString());
                            break;
                        case "message_delta":
                            _finish = AnthropicFinish(root.GetProperty("delta").GetProperty("stop_reason").GetString());
                            _output = root.GetProperty("usage").GetProperty("output_tokens").GetInt32();
                            break;
                    }

                    break;
                default:
                    GeminiChunk(root);
                    break;
            }
        }

        private static string AnthropicFinish(string? stopReason) => stopReason switch
        {
            "max_tokens" => "length",
            "tool_use" => "tool",
            _ => "stop",
        };

        private void AnthropicInput(JsonElement usage) =>
            _input = usage.GetProperty("input_tokens").GetInt32() + usage.GetProperty("cache_read_input_tokens").GetInt32();

        private void ChatTools(JsonElement holder)
        {
            if (holder.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in calls.EnumerateArray())
                {
                    if (call.TryGetProperty("function", out var function) && function.TryGetProperty("name", out var toolName) && toolName.ValueKind == JsonValueKind.String)
                    {
                        _tools.Add(toolName.GetString()!);
                    }
                }
            }
        }

        private void ChatFinish(JsonElement choice)
        {
            if (choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String)
            {
                _finish = finish.GetString() == "length" ? "length" : "stop";
            }
        }

        private void ChatUsage(JsonElement usage)
        {
            _input = usage.GetProperty("prompt_tokens").GetInt32();
            _output = usage.GetProperty("completion_tokens").GetInt32();
        }

        private void ResponsesObject(JsonElement response, bool withText)
        {
            _model = response.GetProperty("model").GetString()!;
            foreach (var item in response.GetProperty("output").EnumerateArray())
            {
                var type = item.GetProperty("type").GetString();
                if (type == "function_call")
                {
                    _tools.Add(item.GetProperty("name").GetString()!);
                }
                else if (type == "message" && withText)
                {
                    foreach (var part in item.GetProperty("content").EnumerateArray())
                    {
                        _text.Append(part.GetProperty("text").GetString());
                    }
                }
            }

            _finish = response.GetProperty("status").GetString() == "incomplete" ? "length" : "stop";
            _input = response.GetProperty("usage").GetProperty("input_tokens").GetInt32();
            _output = response.GetProperty("usage").GetProperty("output_tokens").GetInt32();
        }

        private void GeminiChunk(JsonElement root)
        {
            if (root.TryGetProperty("modelVersion", out var version))
            {
                _model = version.GetString()!;
            }

            var candidate = root.GetProperty("candidates")[0];
            if (candidate.TryGetProperty("content", out var content) && content.TryGetProperty("parts", out var parts))
            {
                foreach (var part in parts.EnumerateArray())
                {
                    if (part.TryGetProperty("text", out var text) && !(part.TryGetProperty("thought", out var thought) && thought.ValueKind == JsonValueKind.True))
                    {
                        _text.Append(text.GetString());
                    }
                    else if (part.TryGetProperty("functionCall", out var call))
                    {
                        _tools.Add(call.GetProperty("name").GetString()!);
                    }
                }
            }

            if (candidate.TryGetProperty("finishReason", out var finish))
            {
                _finish = finish.GetString() == "MAX_TOKENS" ? "length" : "stop";
            }

            if (root.TryGetProperty("usageMetadata", out var usage))
            {
                _input = usage.GetProperty("promptTokenCount").GetInt32();
                _output = usage.GetProperty("candidatesTokenCount").GetInt32()
                    + (usage.TryGetProperty("thoughtsTokenCount", out var thoughts) ? thoughts.GetInt32() : 0);
            }
        }
    }
}
