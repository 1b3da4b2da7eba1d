using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;

namespace Warden.Server.Audit.Clients;

/// <summary>
/// OpenAI Responses: <c>POST {base}/responses</c> with a Bearer key, the base ending in <c>/v1</c>. The system prompt goes
/// in <c>instructions</c>, turns in <c>input</c>, the limit in <c>max_output_tokens</c>; <c>store: false</c> so the audit
/// leaves nothing at the provider. Responses has no finish reason: <c>status</c> completed is a stop (a tool-call stop
/// when the output holds function calls) and <c>incomplete</c> with reason <c>max_output_tokens</c> is the length stop.
/// </summary>
internal sealed class ResponsesAuditTarget(string label, Uri baseUrl, string model, string apiKey, AuditHttp http)
    : AuditHttpTarget(label, baseUrl, model, apiKey, http)
{
    public override AuditProtocol Protocol => AuditProtocol.Responses;

    protected override string RequestPath(bool stream) => "responses";

    protected override string ModelsPath(string? pageToken) => "models";

    protected override void Authenticate(HttpRequestHeaders headers, string apiKey) =>
        headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);

    protected override void WriteRequest(Utf8JsonWriter writer, AuditPrompt prompt)
    {
        writer.WriteStartObject();
        writer.WriteString("model", Model);
        if (SystemText(prompt) is { } instructions)
        {
            writer.WriteString("instructions", instructions);
        }

        writer.WriteStartArray("input");
        foreach (var message in prompt.Messages.Where(static m => m.Role != "system"))
        {
            writer.WriteStartObject();
            writer.WriteString("role", message.Role);
            writer.WriteString("content", message.Text);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteNumber("max_output_tokens", prompt.MaxTokens);
        WriteTemperature(writer, "temperature", prompt.Temperature);
        writer.WriteBoolean("store", false);
        if (prompt.Tools.Count > 0)
        {
            writer.WriteStartArray("tools");
            foreach (var tool in prompt.Tools)
            {
                writer.WriteStartObject();
                writer.WriteString("type", "function");
                writer.WriteString("name", tool.Name);
                writer.WriteString("description", tool.Description);
                writer.WritePropertyName("parameters");
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
        foreach (var item in AuditJson.Items(root, "output"))
        {
            switch (AuditJson.String(item, "type"))
            {
                case "message":
                    foreach (var part in AuditJson.Items(item, "content"))
                    {
                        if (AuditJson.String(part, "type") == "output_text")
                        {
                            text.Append(AuditJson.String(part, "text"));
                        }
                    }

                    break;
                case "function_call":
                    calls.Add(new AuditToolCall(AuditJson.String(item, "name") ?? "", AuditJson.String(item, "arguments") ?? "{}"));
                    break;
            }
        }

        return Finish(root, new AuditReply { Status = 0, Text = text.ToString(), ToolCalls = calls });
    }

    protected override AuditReply ReadStream(IEnumerable<SseItem<string>> events)
    {
        var text = new StringBuilder();
        var calls = new AuditToolCallAssembly();
        JsonElement? final = null;
        string? model = null;
        string? error = null;
        foreach (var item in events)
        {
            using var document = JsonDocument.Parse(item.Data);
            var data = document.RootElement;
            int index = (int)(AuditJson.Long(data, "output_index") ?? 0);
            switch (AuditJson.String(data, "type") ?? item.EventType)
            {
                case "response.created" or "response.in_progress":
                    model ??= AuditJson.Object(data, "response") is { } started ? AuditJson.String(started, "model") : null;
                    break;
                case "response.output_text.delta":
                    text.Append(AuditJson.String(data, "delta"));
                    break;
                case "response.output_item.added" when AuditJson.Object(data, "item") is { } added && AuditJson.String(added, "type") == "function_call":
                    calls.Start(index, AuditJson.String(added, "name") ?? "", AuditJson.String(added, "arguments"));
                    break;
                case "response.function_call_arguments.delta":
                    calls.Append(index, AuditJson.String(data, "delta"));
                    break;
                case "response.completed" or "response.incomplete" or "response.failed":
                    final = AuditJson.Object(data, "response")?.Clone();
                    break;
                case "error":
                    error = "the stream reported an error: " + (AuditJson.String(data, "message") ?? AuditJson.ErrorMessage(Encoding.UTF8.GetBytes(item.Data)) ?? "no message");
                    break;
            }
        }

        var reply = new AuditReply { Status = 0, Text = text.ToString(), ToolCalls = calls.ToList(), ServedModel = model };
        if (final is not { } response)
        {
            return reply with { Error = error ?? "the stream ended without response.completed" };
        }

        var finished = Finish(response, reply);
        return finished with { Error = error ?? finished.Error };
    }

    protected override (JsonElement? Entry, string? NextPage) FindModel(JsonElement root) => OpenAIModelList.Find(root, Model);

    /// <summary>Status, usage and model from the response object (the complete answer, or the stream's final event).</summary>
    private static AuditReply Finish(JsonElement response, AuditReply reply)
    {
        string? status = AuditJson.String(response, "status");
        string? reason = AuditJson.Object(response, "incomplete_details") is { } details ? AuditJson.String(details, "reason") : null;
        var finish = status switch
        {
            null => AuditFinish.None,
            "completed" => reply.ToolCalls.Count > 0 ? AuditFinish.ToolCalls : AuditFinish.Stop,
            "incomplete" when reason == "max_output_tokens" => AuditFinish.Length,
            _ => AuditFinish.Other,
        };
        var usage = AuditJson.Object(response, "usage");
        return reply with
        {
            Finish = finish,
            RawFinish = reason ?? status,
            InputTokens = usage is { } u ? AuditJson.Long(u, "input_tokens") : null,
            OutputTokens = usage is { } v ? AuditJson.Long(v, "output_tokens") : null,
            ServedModel = AuditJson.String(response, "model") ?? reply.ServedModel,
            Error = status == "failed" ? "the response failed: " + (AuditJson.Object(response, "error") is { } e ? AuditJson.String(e, "message") : "no message") : null,
        };
    }
}
