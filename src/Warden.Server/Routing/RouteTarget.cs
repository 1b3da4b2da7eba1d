using Warden.Core.Providers;

namespace Warden.Server.Routing;

/// <summary>
/// One upstream key ready to receive traffic: a channel (decrypted credential in memory, provider profile resolved)
/// and one key of its pool. A channel with a pool of N keys is N targets sharing the channel id; health, cool-down and
/// cache affinity are tracked per target (<see cref="KeyId"/>).
/// </summary>
/// <param name="ChannelId">The channel's id.</param>
/// <param name="ChannelName">The channel's name.</param>
/// <param name="Priority">Higher is tried first.</param>
/// <param name="CreatedAt">When the channel was added.</param>
/// <param name="Upstream">Where and how to send, with this key's credential.</param>
/// <param name="KeyIndex">Position of this key in the channel's pool (0 for a channel with one key or none).</param>
/// <param name="Tuning">The channel's weight, timeouts, concurrency bound and jurisdiction override.</param>
internal sealed record RouteTarget(
    string ChannelId,
    string ChannelName,
    int Priority,
    DateTimeOffset CreatedAt,
    UpstreamTarget Upstream,
    int KeyIndex = 0,
    ChannelTuning? Tuning = null)
{
    /// <summary>Identifies this key of this channel for health and affinity; never contains the credential.</summary>
    public string KeyId { get; } = ChannelId + "#" + KeyIndex.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public ChannelTuning Tuned => Tuning ?? ChannelTuning.Default;

    /// <summary>Where the channel runs: the operator's override, else the provider profile's.</summary>
    public string Jurisdiction => Tuned.Jurisdiction ?? Upstream.Profile.Jurisdiction;
}
