using Warden.Core.Policy;

namespace Warden.Server.Routing;

/// <summary>
/// The declared request changes of one channel: the only changes Warden may make to a request it sends there.
/// Listed to key holders at <c>GET /v1/policy</c>, logged on every change, named in each receipt where applied.
/// </summary>
/// <param name="ChannelId">The channel's id.</param>
/// <param name="SystemPrefix">Text put before the request's system prompt, when set.</param>
/// <param name="MaxOutputTokensCap">The most output tokens a request may ask for, when set.</param>
/// <param name="Overrides">Top-level request fields set to a value: field name to compact JSON text.</param>
/// <param name="Version">1 for the channel's first policy, one more on every change.</param>
/// <param name="UpdatedAt">When it was last set.</param>
internal sealed record ChannelPolicy(
    string ChannelId,
    string? SystemPrefix,
    long? MaxOutputTokensCap,
    IReadOnlyDictionary<string, string> Overrides,
    int Version,
    DateTimeOffset UpdatedAt)
{
    public bool IsEmpty => SystemPrefix is null && MaxOutputTokensCap is null && Overrides.Count == 0;

    /// <summary>The policy in the form the pure applier takes.</summary>
    public RequestPolicy ToRequestPolicy() => new(SystemPrefix, MaxOutputTokensCap, Overrides);
}
