using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Providers;
using Warden.Server.Hosting;

namespace Warden.Server.Routing;

/// <summary>
/// <c>warden channels test</c> and <c>models</c>: one small request to a channel's upstream, as one-api's "test" button
/// sends, reporting latency, the model that answered and its usage; or the upstream's own model list. Uses the
/// channel's first key; the answer's text is never shown or kept.
/// </summary>
internal sealed class ChannelProbe(DataFolder data, UpstreamAdapter adapter, TimeProvider time)
{
    private const string Prompt = "Reply with the single word OK.";

    public async Task<ChannelProbeResult> TestAsync(string channelName, string? model, CancellationToken cancellationToken)
    {
        if (Target(channelName) is not { } found)
        {
            return ChannelProbeResult.Failed($"No channel named '{channelName}'.");
        }

        var (channel, target) = found;
        string served = model ?? (channel.Models.Count > 0 ? channel.Models[0] : "");
        var dialect = target.Profile.Dialect;
        var body = Core.Dialects.WireDialects.For(dialect).ProbeBody(served, Prompt, 16);
        long started = time.GetTimestamp();
        using var call = await adapter.SendAsync(target, new UpstreamRequest(UpstreamOperation.Generate, served, body, Stream: false), cancellationToken);
        if (call.Error is { } error)
        {
            return ChannelProbeResult.Failed($"{error.Kind}: {error.Message}", time.GetElapsedTime(started));
        }

        byte[] answer = await HttpContentReader.ReadBoundedAsync(call.Response!.Content, 1024 * 1024, cancellationToken);
        var elapsed = time.GetElapsedTime(started);
        return Read(dialect, answer, elapsed) ?? ChannelProbeResult.Failed("The upstream answered 2xx with a body Warden cannot read.", elapsed);
    }

    public async Task<(IReadOnlyList<string>? Models, string? Problem)> ModelsAsync(string channelName, CancellationToken cancellationToken)
    {
        if (Target(channelName) is not { } found)
        {
            return (null, $"No channel named '{channelName}'.");
        }

        var (models, error) = await adapter.ListModelsAsync(found.Target, cancellationToken);
        return error is null ? (models, null) : (null, $"{error.Kind}: {error.Message}");
    }

    private (Channel Channel, UpstreamTarget Target)? Target(string name)
    {
        if (data.Channels.List().FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal)) is not { } channel
            || ProviderProfiles.Find(channel.ProviderId) is not { } profile)
        {
            return null;
        }

        string? credential = channel.Credential is null ? null : ChannelRegistrar.SplitPool(data.Channels.DecryptCredential(channel)).FirstOrDefault();
        return (channel, new UpstreamTarget(channel.BaseUrl, profile, credential, channel.AllowPrivateNetwork));
    }

    // The served model and usage, in each dialect's own field names.
    private static ChannelProbeResult? Read(WireDialectName dialect, byte[] answer, TimeSpan elapsed)
    {
        try
        {
            using var document = JsonDocument.Parse(answer);
            var root = document.RootElement;
            var (modelField, usageField, inputField, outputField) = Core.Dialects.WireDialects.For(dialect).ProbeFields;
            string? served = root.TryGetProperty(modelField, out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            long? input = null, output = null;
            if (root.TryGetProperty(usageField, out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                input = usage.TryGetProperty(inputField, out var i) && i.TryGetInt64(out long iv) ? iv : null;
                output = usage.TryGetProperty(outputField, out var o) && o.TryGetInt64(out long ov) ? ov : null;
            }

            return new ChannelProbeResult(true, null, elapsed, served, input, output);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
