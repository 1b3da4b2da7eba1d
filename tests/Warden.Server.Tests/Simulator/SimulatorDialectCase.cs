using System.Text.Json;
using System.Text.Json.Nodes;

namespace Warden.Server.Tests.Simulator;

/// <summary>
/// One dialect's request and answer shapes, with root-relative paths so a "/_fault/{faults}" prefix can go in
/// front: lets a fault test run unchanged against Chat, Responses, Anthropic and Gemini, streamed or not.
/// </summary>
internal sealed record SimulatorDialectCase(string Name, string BasePath)
{
    public static readonly string[] Names = ["chat", "responses", "anthropic", "gemini"];

    public static SimulatorDialectCase For(string name) => name switch
    {
        "chat" => new(name, "/v1/"),
        "responses" => new(name, "/v1/"),
        "anthropic" => new(name, "/v1/"),
        "gemini" => new(name, "/v1beta/"),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown dialect."),
    };

    /// <summary>The answering path, under <paramref name="faultPrefix"/> ("/_fault/{it}") when one is given.</summary>
    public string Path(bool stream, string? faultPrefix = null, string model = "sim-small")
    {
        var tail = Name switch
        {
            "chat" => "chat/completions",
            "responses" => "responses",
            "anthropic" => "messages",
            _ => $"models/{model}:" + (stream ? "streamGenerateContent?alt=sse" : "generateContent"),
        };
        return (faultPrefix is null ? "" : "/_fault/" + faultPrefix) + BasePath + tail;
    }

    public JsonObject Body(string prompt, bool stream, string model = "sim-small") => Name switch
    {
        "chat" => SimulatorCalls.Request(prompt, model, stream),
        "responses" => SimulatorDialectCalls.Responses(prompt, model, stream),
        "anthropic" => SimulatorDialectCalls.Anthropic(prompt, model, stream),
        _ => SimulatorDialectCalls.Gemini(prompt),
    };

    public Task<HttpResponseMessage> PostAsync(HttpClient client, string prompt, bool stream, string? faultPrefix = null, string? header = null, string model = "sim-small") =>
        SimulatorDialectCalls.PostAsync(client, Path(stream, faultPrefix, model), Body(prompt, stream, model), header);

    /// <summary>The answer text of a non-streamed body.</summary>
    public string Text(JsonDocument answer) => Name switch
    {
        "chat" => SimulatorCalls.Content(answer),
        "responses" => answer.RootElement.GetProperty("output_text").GetString()!,
        "anthropic" => answer.RootElement.GetProperty("content")[0].GetProperty("text").GetString()!,
        _ => answer.RootElement.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString()!,
    };

    /// <summary>The answer text carried by a stream's events, concatenated.</summary>
    public string StreamedText(IEnumerable<SseEvent> events) => string.Concat(TextPieces(events));

    /// <summary>The non-empty pieces of answer text, one per event that carries some.</summary>
    public List<string> TextPieces(IEnumerable<SseEvent> events)
    {
        var pieces = new List<string>();
        foreach (var item in events.Where(e => e.Data != "[DONE]"))
        {
            using var document = item.Parse();
            var root = document.RootElement;
            var piece = Name switch
            {
                "chat" => root.GetProperty("choices") is { } choices && choices.GetArrayLength() > 0
                    && choices[0].GetProperty("delta").TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
                    ? content.GetString() : null,
                "responses" => item.Name == "response.output_text.delta" ? root.GetProperty("delta").GetString() : null,
                "anthropic" => item.Name == "content_block_delta" && root.GetProperty("delta").TryGetProperty("text", out var delta) ? delta.GetString() : null,
                _ => GeminiText(root),
            };
            if (!string.IsNullOrEmpty(piece))
            {
                pieces.Add(piece);
            }
        }

        return pieces;
    }

    /// <summary>The error's kind as the dialect names it (error type, Anthropic error type, google.rpc status); "not-anthropic" for a wrong shape.</summary>
    public static string ErrorKind(string name, JsonElement body) => name switch
    {
        "anthropic" => body.GetProperty("type").GetString() == "error" ? body.GetProperty("error").GetProperty("type").GetString()! : "not-anthropic",
        "gemini" => body.GetProperty("error").GetProperty("status").GetString()!,
        _ => body.GetProperty("error").GetProperty("type").GetString()!,
    };

    public override string ToString() => Name;

    private static string? GeminiText(JsonElement root) =>
        root.TryGetProperty("candidates", out var candidates)
        && candidates[0].TryGetProperty("content", out var content)
        && content.TryGetProperty("parts", out var parts)
        && parts.GetArrayLength() > 0
        && parts[0].TryGetProperty("text", out var text)
            ? text.GetString()
            : null;
}
