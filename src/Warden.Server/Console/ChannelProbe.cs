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
        var request = new UpstreamRequest(UpstreamOperation.Generate, model, Core.Dialects.WireDialects.For(dialect).ProbeBody(model, "ping", 16), Stream: false);
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

            var fields = Core.Dialects.WireDialects.For(dialect).ProbeFields;
            return (Text(root, fields.Model), Number(root, fields.Usage, fields.Input), Number(root, fields.Usage, fields.Output));
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
