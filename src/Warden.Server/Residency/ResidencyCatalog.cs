using System.Collections.Frozen;

namespace Warden.Server.Residency;

/// <summary>
/// The residency rules in memory, swapped whole on reload like the other configuration tables, so that finding a
/// request's rule reads no storage and takes no lock. With no rule at all (a new install), <see cref="For"/> is one
/// volatile read and requests pay nothing else.
/// </summary>
internal sealed class ResidencyCatalog
{
    private Snapshot _snapshot = new(FrozenDictionary<string, ResidencyRule>.Empty, FrozenDictionary<string, ResidencyRule>.Empty, []);

    /// <summary>Every rule, tenants' first, each ordered by subject id.</summary>
    public IReadOnlyList<ResidencyRule> All => Volatile.Read(ref _snapshot).All;

    /// <summary>True while no rule exists at all (a new install): routing then looks up nothing else.</summary>
    public bool IsEmpty => Volatile.Read(ref _snapshot).All.Count == 0;

    /// <summary>The rule for a request by this key: the key's own, else its tenant's, else null (no restriction).</summary>
    public ResidencyRule? For(string keyId, string? tenantId)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot.All.Count == 0)
        {
            return null;
        }

        return snapshot.ByKey.GetValueOrDefault(keyId) ?? (tenantId is null ? null : snapshot.ByTenant.GetValueOrDefault(tenantId));
    }

    public void Replace(IEnumerable<ResidencyRule> rules)
    {
        var list = rules.OrderBy(r => r.Scope).ThenBy(r => r.SubjectId, StringComparer.Ordinal).ToList();
        Volatile.Write(ref _snapshot, new Snapshot(
            list.Where(r => r.Scope == ResidencyScope.Tenant).ToFrozenDictionary(r => r.SubjectId, StringComparer.Ordinal),
            list.Where(r => r.Scope == ResidencyScope.Key).ToFrozenDictionary(r => r.SubjectId, StringComparer.Ordinal),
            list));
    }

    private sealed record Snapshot(FrozenDictionary<string, ResidencyRule> ByTenant, FrozenDictionary<string, ResidencyRule> ByKey, IReadOnlyList<ResidencyRule> All);
}
