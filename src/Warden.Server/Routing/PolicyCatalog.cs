using System.Collections.Frozen;

namespace Warden.Server.Routing;

/// <summary>The in-memory channel policies, rebuilt from storage on change and swapped atomically, so applying one reads no storage.</summary>
internal sealed class PolicyCatalog
{
    private Snapshot _snapshot = new(FrozenDictionary<string, ChannelPolicy>.Empty, []);

    public IReadOnlyList<ChannelPolicy> All => Volatile.Read(ref _snapshot).All;

    /// <summary>The policy of a channel, or null when it declares none (its requests go upstream unchanged).</summary>
    public ChannelPolicy? For(string channelId) => Volatile.Read(ref _snapshot).ByChannel.GetValueOrDefault(channelId);

    public void Replace(IEnumerable<ChannelPolicy> policies)
    {
        var list = policies.Where(p => !p.IsEmpty).OrderBy(p => p.ChannelId, StringComparer.Ordinal).ToList();
        Volatile.Write(ref _snapshot, new Snapshot(list.ToFrozenDictionary(p => p.ChannelId, StringComparer.Ordinal), list));
    }

    private sealed record Snapshot(FrozenDictionary<string, ChannelPolicy> ByChannel, IReadOnlyList<ChannelPolicy> All);
}
