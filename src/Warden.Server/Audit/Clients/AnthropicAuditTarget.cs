using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;

namespace Warden.Server.Audit.Clients;

/// <summary>
/// Anthropic Messages: <c>POST …/v1/messages</c> with <c>x-api-key</c> and <c>anthropic-version: 2023-06-01</c>. The
/// base URL may be the host root (as the Anthropic SDKs take it) or end in <c>/v1</c> (as OpenAI-style relays print
/// it): both reach the same <c>/v1/messages</c>. The system prompt is the top-level <c>system</c>. Usage: Anthropic's
/// <c>input_tokens</c> leaves out cache reads and writes, so the reply's input is the sum of the three, comparable with
/// OpenAI's <c>prompt_tokens</c>; streamed usage is the last value each field took (message_start, then message_delta).
/// </summary>
internal sealed class AnthropicAuditTarget(string label, Uri baseUrl, string model, string apiKey, AuditHttp http)
    : AuditHttpTarget(label, baseUrl, model, apiKey, http)
{
    public const string Version = "2023-06-01";

    public override AuditProtocol Protocol => AuditProtocol.Anthropic;

    private string Prefix => BaseUrl.AbsolutePath.EndsWith("/v1/", StringComparison.Ordinal) ? "" : "v1/";

    protected override string RequestPath(bool stream) => Prefix + "messages";

    protected override string ModelsPath(string? pageToken) =>
        Prefix + "models?limit=1000" + (pageToken is null ? "" : "&after_id=" + Uri.EscapeDataString(pageToken));

    protected override void Authenticate(HttpRequestHeaders headers, string apiKey)
    {
        headers.Add("x-api-key", apiKey);
        headers.Add("anthropic-version", Version);
    }

    // Relays that serve Anthropic's messages often keep an OpenAI-style model list that wants a Bearer key.
    protected override bool HasAlternateAuthentication => true;

    protected override void AuthenticateAlternately(HttpRequestHeaders headers, string apiKey)
    {
        headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        headers.Add("anthropic-version", Version);
    }

    protected override void WriteRequest(Utf8JsonWriter writer, AuditPrompt prompt)
    {
        writer.WriteStartObject();
        writer.WriteString("model", Model);
        writer.WriteNumber("max_tokens", prompt.MaxTokens);
        if (SystemText(prompt) is { } system)
        {
            writer.WriteString("system", system);
        }

        writer.WriteStartArray("messages");
        foreach (var message in prompt.Messages.Where(static m => m.Role != "system"))
        {
            writer.WriteStartObject();
            writer.WriteString("role", message.Role);
            writer.WriteString("content", message.Text);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        WriteTemperature(writer, "temperature", prompt.Temperature);
        if (prompt.Tools.Count > 0)
        {
            writer.WriteStartArray("tools");
            foreach (var tool in prompt.Tools)
            {
                writer.WriteStartObject();
                writer.WriteString("name", tool.Name);
                writer.WriteString("description", tool.Description);
                writer.WritePropertyName("input_schema");
                tool.Parameters.WriteTo(writer);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        if (prompt.Stream)
        {
            writer.WriteBoolean("stream", true);
        }

        writer.WriteEndObject();
    }

    protected override AuditReply ReadComplete(JsonElement root)
    {
        var text = new StringBuilder();
        var calls = new List<AuditToolCall>();
        foreach (var block in AuditJson.Items(root, "content"))
        {
            switch (AuditJson.String(block, "type"))
            {
                case "text":
                    text.Append(AuditJson.String(block, "text"));
                    break;
                case "tool_use":
                    calls.Add(new AuditToolCall(AuditJson.String(block, "name") ?? "",
                        block.TryGetProperty("input", out var input) ? input.GetRawText() : "{}"));
                    break;
            }
        }

        string? stop = AuditJson.String(root, "stop_reason");
        var usage = new Usage();
        usage.Read(root);
        return new AuditReply
        {
            Status = 0,
            Text = text.ToString(),
            Finish = MapFinish(stop),
            RawFinish = stop,
            InputTokens = usage.Input,
            OutputTokens = usage.Output,
            ToolCalls = calls,
            ServedModel = AuditJson.String(root, "model"),
        };
    }

    protected override AuditReply ReadStream(IEnumerable<SseItem<string>> events)
    {
        var text = new StringBuilder();
        var calls = new AuditToolCallAssembly();
        var usage = new Usage();
        string? stop = null;
        string? model = null;
        string? error = null;
        bool stopped = false;
        foreach (var item in events)
        {
            using var document = JsonDocument.Parse(item.Data);
            var data = document.RootElement;
            int index = (int)(AuditJson.Long(data, "index") ?? 0);
            switch (AuditJson.String(data, "type") ?? item.EventType)
            {
                case "message_start" when AuditJson.Object(data, "message") is { } message:
                    model = AuditJson.String(message, "model");
                    usage.Read(message);
                    break;
                case "content_block_start" when AuditJson.Object(data, "content_block") is { } block:
                    if (AuditJson.String(block, "type") == "tool_use")
                    {
                        calls.Start(index, AuditJson.String(block, "name") ?? "");
                    }
                    else if (AuditJson.String(block, "type") == "text")
                    {
                        text.Append(AuditJson.String(block, "text"));
                    }

                    break;
                case "content_block_delta" when AuditJson.Object(data, "delta") is { } delta:
                    switch (AuditJson.String(delta, "type"))
                    {
                        case "text_delta":
                            text.Append(AuditJson.String(delta, "text"));
                            break;
                        case "input_json_delta":
                            calls.Append(index, AuditJson.String(delta, "partial_json"));
                            break;
                    }

                    break;
                case "message_delta":
                    stop = AuditJson.Object(data, "delta") is { } messageDelta ? AuditJson.String(messageDelta, "stop_reason") ?? stop : stop;
                    usage.Read(data);
                    break;
                case "message_stop":
                    stopped = true;
                    break;
                case "error":
                    error = "the stream reported an error: " + (AuditJson.ErrorMessage(Encoding.UTF8.GetBytes(item.Data)) ?? "no message");
                    break;
            }
        }

        return new AuditReply
        {
            Status = 0,
            Text = text.ToString(),
            Finish = MapFinish(stop),
            RawFinish = stop,
            InputTokens = usage.Input,
            OutputTokens = usage.Output,
            ToolCalls = calls.ToList(),
            ServedModel = model,
            Error = error ?? (stopped ? null : "the stream ended without message_stop"),
        };
    }

    protected override (JsonElement? Entry, string? NextPage) FindModel(JsonElement root) => OpenAIModelList.Find(root, Model);

    internal static AuditFinish MapFinish(string? stop) => stop switch
    {
        null => AuditFinish.None,
        "end_turn" or "stop_sequence" => AuditFinish.Stop,
        "max_tokens" => AuditFinish.Length,
        "tool_use" => AuditFinish.ToolCalls,
        _ => AuditFinish.Other,
    };

    /// <summary>The latest value of each usage field; input is the uncached, cache-write and cache-read counts together.</summary>
    private sealed class Usage
    {
        private long? _input;
        private long? _cacheWrite;
        private long? _cacheRead;

        public long? Output { get; private set; }

        public long? Input => AuditJson.Sum(AuditJson.Sum(_input, _cacheWrite), _cacheRead);

        public void Read(JsonElement parent)
        {
            if (AuditJson.Object(parent, "usage") is not { } usage)
            {
                return;
            }

            _input = AuditJson.Long(usage, "input_tokens") ?? _input;
            _cacheWrite = AuditJson.Long(usage, "cache_creation_input_tokens") ?? _cacheWrite;
            _cacheRead = AuditJson.Long(usage, "cache_read_input_tokens") ?? _cacheRead;
            Output = AuditJson.Long(usage, "output_tokens") ?? Output;
        }
    }
}
