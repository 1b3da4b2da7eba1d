using Warden.Server.Secrets;

namespace Warden.Server.Routing;

/// <summary>An upstream channel as stored: one provider account at one base URL, serving a list of models.</summary>
/// <param name="Id">UUIDv7.</param>
/// <param name="Name">Unique operator-chosen name.</param>
/// <param name="ProviderId">A <see cref="Warden.Core.Providers.ProviderProfile"/> id.</param>
/// <param name="BaseUrl">Base URL including the API version segment, ending in a slash.</param>
/// <param name="Models">Model names this channel serves, exactly as clients request them.</param>
/// <param name="Priority">Higher is tried first.</param>
/// <param name="AllowPrivateNetwork">The operator allowed loopback and private addresses for this channel.</param>
/// <param name="Credential">The encrypted upstream credential, if the provider needs one.</param>
/// <param name="ManagedSimulator">Created by Warden for the built-in simulator: each server routes it to its own in-process simulator and never uses its stored URL.</param>
/// <param name="CreatedAt">When it was added.</param>
/// <param name="Tuning">Weight, timeouts, concurrency bound and jurisdiction; defaults when absent.</param>
internal sealed record Channel(
    string Id,
    string Name,
    string ProviderId,
    Uri BaseUrl,
    IReadOnlyList<string> Models,
    int Priority,
    bool AllowPrivateNetwork,
    EncryptedSecret? Credential,
    bool ManagedSimulator,
    DateTimeOffset CreatedAt,
    ChannelTuning? Tuning = null)
{
    /// <summary>
    /// How many upstream keys the credential holds, as committed in the transparency log (the credential itself never is);
    /// null for a channel added before it was recorded.
    /// </summary>
    public int? KeyPoolSize { get; init; }

    /// <summary>False when an operator disabled it: it keeps its configuration and takes no traffic.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The channel's tuning, with defaults filled in.</summary>
    public ChannelTuning Tuned => Tuning ?? ChannelTuning.Default;
}
