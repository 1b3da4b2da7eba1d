namespace Warden.Server.Routing;

/// <summary>What one test request to a channel showed; usage the upstream did not report is null.</summary>
internal sealed record ChannelProbeResult(bool Ok, string? Problem, TimeSpan? Latency, string? ServedModel, long? InputTokens, long? OutputTokens)
{
    public static ChannelProbeResult Failed(string problem, TimeSpan? latency = null) => new(false, problem, latency, null, null, null);
}
