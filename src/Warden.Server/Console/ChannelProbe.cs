using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Providers;
using Warden.Server.Routing;

namespace Warden.Server.Console;

/// <summary>
/// The channel test button: one small non-streamed request ("ping", a few output tokens) to the channel's first model
/// through the same adapter, credential and connector as relayed traffic, so it sees what traffic would see. It does
/// not touch health, billing or usage: a test is not traffic, and an operator testing a failing channel must not open
/// its circuit for everyone. Only the upstream's model and usage numbers are read from the answer.
/// </summary>
internal sealed class ChannelProbe(ChannelCatalog catalog, UpstreamAdapter adapter, TimeProvider time)
{
    private const int MaxAnswerBytes = 1 << 20;

    public async Task<ChannelProbeResult?> TestAsync(string channelId, CancellationToken cancellationToken)
    {
        if (catalog.AllTargets().FirstOrDefault(t => t.Target.ChannelId == channelId) is not { Target: not null } found)
        {
            return null;
        }

        var (model, target) = found;
        var dialect = target.Upstream.Profile.Dialect;
        var request = new UpstreamRequest(UpstreamOperation.Generate, model, Body(dialect, model), Stream: false);
        long started = time.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var call = await adapter.SendAsync(target.Upstream with { ConnectTimeout = TimeSpan.FromSeconds(10) }, request, timeout.Token);
        if (call.Error is { } error)
        {
            return new ChannelProbeResult(false, model, null, time.GetElapsedTime(started).TotalMilliseconds, null, null, error.Kind + ": " + error.Message);
        }

        byte[] answer;
        try
        {
            answer = await call.Response!.Content.ReadAsByteArrayAsync(timeout.Token);
        }
        catch (HttpRequestException ex)
        {
            return new ChannelProbeResult(false, model, null, time.GetElapsedTime(started).TotalMilliseconds, null, null, ex.HttpRequestError.ToString());
        }

        double latency = time.GetElapsedTime(started).TotalMilliseconds;
        var (served, input, output) = answer.Length <= MaxAnswerBytes ? ReadUsage(dialect, answer) : (null, null, null);
        return new ChannelProbeResult(true, model, served, latency, input, output, null);
    }

    private static byte[] Body(WireDialectName dialect, string model)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            switch (dialect)
            {
                case WireDialectName.Gemini:
                    json.WriteStartArray("contents");
                    json.WriteStartObject();
                    json.WriteString("role", "user");
                    json.WriteStartArray("parts");
                    json.WriteStartObject();
                    json.WriteString("text", "ping");
                    json.WriteEndObject();
                    json.WriteEndArray();
                    json.WriteEndObject();
                    json.WriteEndArray();
                    json.WriteStartObject("generationConfig");
                    json.WriteNumber("maxOutputTokens", 16);
                    json.WriteEndObject();
                    break;
                case WireDialectName.Responses:
                    json.WriteString("model", model);
                    json.WriteString("input", "ping");
                    json.WriteNumber("max_output_tokens", 16);
                    break;
                default:
                    json.WriteString("model", model);
                    json.WriteNumber("max_tokens", 16);
                    json.WriteStartArray("messages");
                    json.WriteStartObject();
                    json.WriteString("role", "user");
                    json.WriteString("content", "ping");
                    json.WriteEndObject();
                    json.WriteEndArray();
                    break;
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static (string? Served, long? Input, long? Output) ReadUsage(WireDialectName dialect, byte[] answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null, null);
            }

            return dialect switch
            {
                WireDialectName.Gemini => (Text(root, "modelVersion"), Number(root, "usageMetadata", "promptTokenCount"), Number(root, "usageMetadata", "candidatesTokenCount")),
                WireDialectName.OpenAIChat => (Text(root, "model"), Number(root, "usage", "prompt_tokens"), Number(root, "usage", "completion_tokens")),
                _ => (Text(root, "model"), Number(root, "usage", "input_tokens"), Number(root, "usage", "output_tokens")),
            };
        }
        catch (JsonException)
        {
            return (null, null, null);
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Number(JsonElement root, string parent, string name) =>
        root.TryGetProperty(parent, out var inner) && inner.ValueKind == JsonValueKind.Object
        && inner.TryGetProperty(name, out var value) && value.TryGetInt64(out long number) ? number : null;
}
