using System.Collections.Frozen;

namespace Warden.Server.Routing;

/// <summary>
/// An in-memory table read by every request: an ordered list and an index by key, rebuilt from storage on change and
/// swapped atomically (like the routing table), so a lookup reads no storage and takes no lock. The aliases and the
/// channel policies are two such tables.
/// </summary>
internal abstract class KeyedCatalog<T>(Func<T, string> keyOf)
    where T : class
{
    private Snapshot _snapshot = new(FrozenDictionary<string, T>.Empty, []);

    /// <summary>Every entry, ordered by key.</summary>
    public IReadOnlyList<T> All => Volatile.Read(ref _snapshot).All;

    /// <summary>The entry with this key, or null.</summary>
    protected T? Get(string key) => Volatile.Read(ref _snapshot).ByKey.GetValueOrDefault(key);

    /// <summary>Replaces the whole table at once; readers see the old one or the new one, never a mix.</summary>
    protected void Swap(IEnumerable<T> entries)
    {
        var list = entries.OrderBy(keyOf, StringComparer.Ordinal).ToList();
        Volatile.Write(ref _snapshot, new Snapshot(list.ToFrozenDictionary(keyOf, StringComparer.Ordinal), list));
    }

    private sealed record Snapshot(FrozenDictionary<string, T> ByKey, IReadOnlyList<T> All);
}
