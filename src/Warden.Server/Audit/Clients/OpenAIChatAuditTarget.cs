using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;

namespace Warden.Server.Audit.Clients;

/// <summary>
/// OpenAI Chat Completions: <c>POST {base}/chat/completions</c> with a Bearer key, the base ending in <c>/v1</c> as the
/// OpenAI SDKs take it. The system prompt is a <c>system</c> message; the limit is sent as <c>max_tokens</c>, which every
/// OpenAI-compatible server reads (<c>max_completion_tokens</c> is newer and not universal). Usage: <c>prompt_tokens</c>
/// counts cached tokens and <c>completion_tokens</c> counts reasoning tokens, which is what <see cref="AuditReply"/> wants.
/// </summary>
internal sealed class OpenAIChatAuditTarget(string label, Uri baseUrl, string model, string apiKey, AuditHttp http)
    : AuditHttpTarget(label, baseUrl, model, apiKey, http)
{
    public override AuditProtocol Protocol => AuditProtocol.OpenAIChat;

    protected override string RequestPath(bool stream) => "chat/completions";

    protected override string ModelsPath(string? pageToken) => "models";

    protected override void Authenticate(HttpRequestHeaders headers, string apiKey) =>
        headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);

    protected override void WriteRequest(Utf8JsonWriter writer, AuditPrompt prompt)
    {
        writer.WriteStartObject();
        writer.WriteString("model", Model);
        writer.WriteStartArray("messages");
        foreach (var message in prompt.Messages)
        {
            writer.WriteStartObject();
            writer.WriteString("role", message.Role);
            writer.WriteString("content", message.Text);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteNumber("max_tokens", prompt.MaxTokens);
        WriteTemperature(writer, "temperature", prompt.Temperature);
        if (prompt.Tools.Count > 0)
        {
            writer.WriteStartArray("tools");
            foreach (var tool in prompt.Tools)
            {
                writer.WriteStartObject();
                writer.WriteString("type", "function");
                writer.WriteStartObject("function");
                writer.WriteString("name", tool.Name);
                writer.WriteString("description", tool.Description);
                writer.WritePropertyName("parameters");
                tool.Parameters.WriteTo(writer);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        if (prompt.Stream)
        {
            writer.WriteBoolean("stream", true);
            writer.WriteStartObject("stream_options");
            writer.WriteBoolean("include_usage", true);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    protected override AuditReply ReadComplete(JsonElement root)
    {
        var text = new StringBuilder();
        var calls = new List<AuditToolCall>();
        string? finish = null;
        if (AuditJson.Array(root, "choices") is { } choices && choices.GetArrayLength() > 0)
        {
            var choice = choices[0];
            finish = AuditJson.String(choice, "finish_reason");
            if (AuditJson.Object(choice, "message") is { } message)
            {
                text.Append(AuditJson.String(message, "content"));
                foreach (var call in AuditJson.Items(message, "tool_calls"))
                {
                    if (AuditJson.Object(call, "function") is { } function)
                    {
                        calls.Add(new AuditToolCall(AuditJson.String(function, "name") ?? "", AuditJson.String(function, "arguments") ?? "{}"));
                    }
                }
            }
        }

        var (input, output) = Usage(root);
        return new AuditReply
        {
            Status = 0,
            Text = text.ToString(),
            Finish = MapFinish(finish),
            RawFinish = finish,
            InputTokens = input,
            OutputTokens = output,
            ToolCalls = calls,
            ServedModel = AuditJson.String(root, "model"),
        };
    }

    protected override AuditReply ReadStream(IEnumerable<SseItem<string>> events)
    {
        var text = new StringBuilder();
        var calls = new AuditToolCallAssembly();
        string? finish = null;
        string? model = null;
        long? input = null;
        long? output = null;
        string? error = null;
        bool done = false;
        foreach (var item in events)
        {
            if (item.Data == "[DONE]")
            {
                done = true;
                break;
            }

            using var document = JsonDocument.Parse(item.Data);
            var chunk = document.RootElement;
            if (AuditJson.Object(chunk, "error") is not null)
            {
                error = "the stream reported an error: " + (AuditJson.ErrorMessage(Encoding.UTF8.GetBytes(item.Data)) ?? "no message");
                continue;
            }

            model ??= AuditJson.String(chunk, "model");
            if (AuditJson.Object(chunk, "usage") is not null)
            {
                (input, output) = Usage(chunk);
            }

            if (AuditJson.Array(chunk, "choices") is not { } choices || choices.GetArrayLength() == 0)
            {
                continue;
            }

            var choice = choices[0];
            finish = AuditJson.String(choice, "finish_reason") ?? finish;
            if (AuditJson.Object(choice, "delta") is not { } delta)
            {
                continue;
            }

            text.Append(AuditJson.String(delta, "content"));
            foreach (var call in AuditJson.Items(delta, "tool_calls"))
            {
                int index = (int)(AuditJson.Long(call, "index") ?? calls.Count);
                var function = AuditJson.Object(call, "function");
                string? name = function is { } f ? AuditJson.String(f, "name") : null;
                string? arguments = function is { } g ? AuditJson.String(g, "arguments") : null;
                if (name is not null)
                {
                    calls.Start(index, name, arguments);
                }
                else
                {
                    calls.Append(index, arguments);
                }
            }
        }

        return new AuditReply
        {
            Status = 0,
            Text = text.ToString(),
            Finish = MapFinish(finish),
            RawFinish = finish,
            InputTokens = input,
            OutputTokens = output,
            ToolCalls = calls.ToList(),
            ServedModel = model,
            Error = error ?? (done || finish is not null ? null : "the stream ended without a finish reason or [DONE]"),
        };
    }

    protected override (JsonElement? Entry, string? NextPage) FindModel(JsonElement root) => OpenAIModelList.Find(root, Model);

    internal static AuditFinish MapFinish(string? finish) => finish switch
    {
        null => AuditFinish.None,
        "stop" => AuditFinish.Stop,
        "length" => AuditFinish.Length,
        "tool_calls" or "function_call" => AuditFinish.ToolCalls,
        _ => AuditFinish.Other,
    };

    private static (long? Input, long? Output) Usage(JsonElement root) =>
        AuditJson.Object(root, "usage") is { } usage ? (AuditJson.Long(usage, "prompt_tokens"), AuditJson.Long(usage, "completion_tokens")) : (null, null);
}
