using System.Collections.Frozen;
using System.Collections.Immutable;

namespace Warden.Server.Routing;

/// <summary>
/// The in-memory routing table: model name to the channels serving it, highest priority first. Rebuilt from
/// storage on change and swapped atomically, so routing a request touches no storage and no lock.
/// </summary>
internal sealed class ChannelCatalog
{
    private Snapshot _snapshot = new(FrozenDictionary<string, ImmutableArray<RouteTarget>>.Empty, []);

    public IReadOnlyList<string> Models => Volatile.Read(ref _snapshot).Models;

    public void Replace(IEnumerable<(RouteTarget Target, IReadOnlyList<string> Models)> targets)
    {
        var byModel = new Dictionary<string, List<RouteTarget>>(StringComparer.Ordinal);
        foreach (var target in targets)
        {
            foreach (string model in target.Models)
            {
                if (!byModel.TryGetValue(model, out var list))
                {
                    byModel[model] = list = [];
                }

                list.Add(target.Target);
            }
        }

        var frozen = byModel.ToFrozenDictionary(
            kv => kv.Key,
            kv => kv.Value.OrderByDescending(t => t.Priority).ToImmutableArray(),
            StringComparer.Ordinal);
        Volatile.Write(ref _snapshot, new Snapshot(frozen, [.. byModel.Keys.Order(StringComparer.Ordinal)]));
    }

    /// <summary>Every upstream key of every channel with each model it serves (for the operator's health view).</summary>
    public IEnumerable<(string Model, RouteTarget Target)> AllTargets() =>
        Volatile.Read(ref _snapshot).ByModel.SelectMany(kv => kv.Value.Select(t => (kv.Key, t)))
            .OrderBy(p => p.t.ChannelName, StringComparer.Ordinal).ThenBy(p => p.t.KeyIndex).ThenBy(p => p.Key, StringComparer.Ordinal);

    public ImmutableArray<RouteTarget> Find(string model) =>
        Volatile.Read(ref _snapshot).ByModel.TryGetValue(model, out var targets) ? targets : [];

    private sealed record Snapshot(FrozenDictionary<string, ImmutableArray<RouteTarget>> ByModel, IReadOnlyList<string> Models);
}
