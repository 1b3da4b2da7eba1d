using System.Collections.Frozen;

namespace Warden.Server.Routing;

/// <summary>The in-memory alias table, rebuilt from storage on change and swapped atomically like the routing table.</summary>
internal sealed class AliasCatalog
{
    private Snapshot _snapshot = new(FrozenDictionary<string, ModelAlias>.Empty, []);

    /// <summary>Every alias, by name.</summary>
    public IReadOnlyList<ModelAlias> All => Volatile.Read(ref _snapshot).All;

    public ModelAlias? Find(string name) => Volatile.Read(ref _snapshot).ByName.GetValueOrDefault(name);

    public void Replace(IEnumerable<ModelAlias> aliases)
    {
        var list = aliases.OrderBy(a => a.Name, StringComparer.Ordinal).ToList();
        Volatile.Write(ref _snapshot, new Snapshot(list.ToFrozenDictionary(a => a.Name, StringComparer.Ordinal), list));
    }

    private sealed record Snapshot(FrozenDictionary<string, ModelAlias> ByName, IReadOnlyList<ModelAlias> All);
}
