namespace Warden.Server.Routing;

/// <summary>
/// How a channel takes traffic, beyond which models it serves: its share within its priority group, its timeouts,
/// its bound on concurrent upstream calls and, when the operator knows better than the provider profile, where it runs.
/// A null value means Warden's default (<see cref="Hosting.WardenOptions"/>).
/// </summary>
/// <param name="Weight">Share of traffic among channels of the same priority (at least 1).</param>
/// <param name="ConnectTimeoutMs">Longest wait for a TCP/TLS connection.</param>
/// <param name="FirstByteTimeoutMs">Longest wait for the upstream's response headers and first stream event.</param>
/// <param name="IdleTimeoutMs">Longest silence between two stream events.</param>
/// <param name="MaxConcurrency">Most upstream calls in flight on this channel; beyond it the channel is skipped.</param>
/// <param name="Jurisdiction">Overrides the provider profile's jurisdiction (e.g. a regional endpoint).</param>
internal sealed record ChannelTuning(
    int Weight = 1,
    int? ConnectTimeoutMs = null,
    int? FirstByteTimeoutMs = null,
    int? IdleTimeoutMs = null,
    int? MaxConcurrency = null,
    string? Jurisdiction = null)
{
    public static ChannelTuning Default { get; } = new();

    /// <summary>Why these values cannot be used, or null when they can.</summary>
    public string? Problem() =>
        Weight < 1 ? "A channel's weight must be at least 1."
        : ConnectTimeoutMs is <= 0 || FirstByteTimeoutMs is <= 0 || IdleTimeoutMs is <= 0 ? "Timeouts must be positive numbers of milliseconds."
        : MaxConcurrency is < 0 ? "A channel's concurrency bound must be positive (0 or absent: no bound)."
        : Jurisdiction is { Length: 0 or > 64 } ? "A jurisdiction is a short name such as 'US' or 'EU'."
        : null;
}
