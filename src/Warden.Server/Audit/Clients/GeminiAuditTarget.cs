using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;

namespace Warden.Server.Audit.Clients;

/// <summary>
/// Gemini: <c>POST {base}/models/{model}:generateContent</c> (streamed: <c>:streamGenerateContent?alt=sse</c>) with
/// <c>x-goog-api-key</c>; the base ends in <c>/v1beta</c> (a bare host root gets it added). The system prompt is
/// <c>systemInstruction</c>, assistant turns have the role <c>model</c>, the limit is <c>generationConfig.maxOutputTokens</c>.
/// Usage: <c>promptTokenCount</c> includes cached content; <c>candidatesTokenCount</c> leaves out thinking, so the reply's
/// output adds <c>thoughtsTokenCount</c> (as OpenAI's completion_tokens include reasoning). Thought parts are not text.
/// </summary>
internal sealed class GeminiAuditTarget(string label, Uri baseUrl, string model, string apiKey, AuditHttp http)
    : AuditHttpTarget(label, baseUrl, model, apiKey, http)
{
    public override AuditProtocol Protocol => AuditProtocol.Gemini;

    private string Prefix => BaseUrl.AbsolutePath == "/" ? "v1beta/" : "";

    protected override string RequestPath(bool stream) =>
        Prefix + "models/" + Uri.EscapeDataString(Model) + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");

    protected override string ModelsPath(string? pageToken) =>
        Prefix + "models?pageSize=1000" + (pageToken is null ? "" : "&pageToken=" + Uri.EscapeDataString(pageToken));

    protected override void Authenticate(HttpRequestHeaders headers, string apiKey) => headers.Add("x-goog-api-key", apiKey);

    protected override void WriteRequest(Utf8JsonWriter writer, AuditPrompt prompt)
    {
        writer.WriteStartObject();
        if (SystemText(prompt) is { } system)
        {
            writer.WriteStartObject("systemInstruction");
            WriteTextParts(writer, system);
            writer.WriteEndObject();
        }

        writer.WriteStartArray("contents");
        foreach (var message in prompt.Messages.Where(static m => m.Role != "system"))
        {
            writer.WriteStartObject();
            writer.WriteString("role", message.Role == "assistant" ? "model" : "user");
            WriteTextParts(writer, message.Text);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartObject("generationConfig");
        writer.WriteNumber("maxOutputTokens", prompt.MaxTokens);
        WriteTemperature(writer, "temperature", prompt.Temperature);
        writer.WriteEndObject();
        if (prompt.Tools.Count > 0)
        {
            writer.WriteStartArray("tools");
            writer.WriteStartObject();
            writer.WriteStartArray("functionDeclarations");
            foreach (var tool in prompt.Tools)
            {
                writer.WriteStartObject();
                writer.WriteString("name", tool.Name);
                writer.WriteString("description", tool.Description);
                writer.WritePropertyName("parameters");
                tool.Parameters.WriteTo(writer);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    protected override AuditReply ReadComplete(JsonElement root)
    {
        var answer = new Answer();
        answer.Read(root);
        return answer.ToReply(requireFinish: false);
    }

    protected override AuditReply ReadStream(IEnumerable<SseItem<string>> events)
    {
        var answer = new Answer();
        foreach (var item in events)
        {
            using var document = JsonDocument.Parse(item.Data);
            answer.Read(document.RootElement);
        }

        return answer.ToReply(requireFinish: true);
    }

    protected override (JsonElement? Entry, string? NextPage) FindModel(JsonElement root)
    {
        foreach (var entry in AuditJson.Items(root, "models"))
        {
            string? name = AuditJson.String(entry, "name");
            if (name is not null && (name == Model || name == "models/" + Model))
            {
                return (entry.Clone(), null);
            }
        }

        return (null, AuditJson.String(root, "nextPageToken"));
    }

    internal static AuditFinish MapFinish(string? finish, bool calledTools) => finish switch
    {
        null or "FINISH_REASON_UNSPECIFIED" => AuditFinish.None,
        "STOP" => calledTools ? AuditFinish.ToolCalls : AuditFinish.Stop,
        "MAX_TOKENS" => AuditFinish.Length,
        _ => AuditFinish.Other,
    };

    private static void WriteTextParts(Utf8JsonWriter writer, string text)
    {
        writer.WriteStartArray("parts");
        writer.WriteStartObject();
        writer.WriteString("text", text);
        writer.WriteEndObject();
        writer.WriteEndArray();
    }

    /// <summary>A whole answer, or a stream's chunks in order: parts accumulate, the last finish reason and usage count.</summary>
    private sealed class Answer
    {
        private readonly StringBuilder _text = new();
        private readonly List<AuditToolCall> _calls = [];
        private string? _finish;
        private string? _model;
        private string? _error;
        private long? _input;
        private long? _output;

        public void Read(JsonElement chunk)
        {
            if (AuditJson.Object(chunk, "error") is not null)
            {
                _error = "the stream reported an error: " + (AuditJson.ErrorMessage(Encoding.UTF8.GetBytes(chunk.GetRawText())) ?? "no message");
                return;
            }

            _model = AuditJson.String(chunk, "modelVersion") ?? _model;
            if (AuditJson.Object(chunk, "usageMetadata") is { } usage)
            {
                _input = AuditJson.Long(usage, "promptTokenCount") ?? _input;
                _output = AuditJson.Sum(AuditJson.Long(usage, "candidatesTokenCount"), AuditJson.Long(usage, "thoughtsTokenCount")) ?? _output;
            }

            var candidates = AuditJson.Items(chunk, "candidates").ToList();
            if (candidates.Count == 0)
            {
                return;
            }

            var candidate = candidates[0];
            _finish = AuditJson.String(candidate, "finishReason") ?? _finish;
            var content = AuditJson.Object(candidate, "content");
            foreach (var part in content is { } c ? AuditJson.Items(c, "parts") : [])
            {
                if (AuditJson.Object(part, "functionCall") is { } call)
                {
                    _calls.Add(new AuditToolCall(AuditJson.String(call, "name") ?? "",
                        call.TryGetProperty("args", out var args) ? args.GetRawText() : "{}"));
                }
                else if (!AuditJson.True(part, "thought"))
                {
                    _text.Append(AuditJson.String(part, "text"));
                }
            }
        }

        public AuditReply ToReply(bool requireFinish) => new()
        {
            Status = 0,
            Text = _text.ToString(),
            Finish = MapFinish(_finish, _calls.Count > 0),
            RawFinish = _finish,
            InputTokens = _input,
            OutputTokens = _output,
            ToolCalls = _calls,
            ServedModel = _model,
            Error = _error ?? (requireFinish && _finish is null ? "the stream ended without a finishReason" : null),
        };
    }
}
