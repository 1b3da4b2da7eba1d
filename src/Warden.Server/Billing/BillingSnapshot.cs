using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Data.Common;
using Warden.Server.Storage;

namespace Warden.Server.Billing;

/// <summary>
/// Everything <see cref="BillingGate.ReserveAsync(Keys.ClientKey, string, Func{long}, long, string)"/> needs that changes only with configuration, read in one database
/// snapshot: which tenant owns each key, the rate limits of every key and tenant, every price version by model and
/// currency, and which keys have their own ledger account. Immutable, so the gate reads it without a lock or a query
/// (issues 5 and 7: the per-request lookups cost more than the relaying); <see cref="BillingCatalog"/> swaps it whole.
/// </summary>
internal sealed class BillingSnapshot
{
    public static readonly BillingSnapshot Empty = new(
        0,
        FrozenDictionary<string, Tenant>.Empty,
        FrozenDictionary<string, RateLimits>.Empty,
        FrozenDictionary<string, RateLimits>.Empty,
        FrozenDictionary<(string, string), ImmutableArray<PriceVersion>>.Empty,
        FrozenSet<string>.Empty);

    private readonly FrozenDictionary<string, Tenant> _tenantOfKey;
    private readonly FrozenDictionary<string, RateLimits> _keyLimits;
    private readonly FrozenDictionary<string, RateLimits> _tenantLimits;
    private readonly FrozenDictionary<(string Model, string Currency), ImmutableArray<PriceVersion>> _prices;
    private readonly FrozenSet<string> _keysWithAccount;

    private BillingSnapshot(
        long configVersion,
        FrozenDictionary<string, Tenant> tenantOfKey,
        FrozenDictionary<string, RateLimits> keyLimits,
        FrozenDictionary<string, RateLimits> tenantLimits,
        FrozenDictionary<(string, string), ImmutableArray<PriceVersion>> prices,
        FrozenSet<string> keysWithAccount)
    {
        ConfigVersion = configVersion;
        _tenantOfKey = tenantOfKey;
        _keyLimits = keyLimits;
        _tenantLimits = tenantLimits;
        _prices = prices;
        _keysWithAccount = keysWithAccount;
    }

    /// <summary>The configuration version the snapshot was read at (in the same read transaction as its rows).</summary>
    public long ConfigVersion { get; }

    /// <summary>The tenant owning a key, or null when the key belongs to none (not metered).</summary>
    public Tenant? TenantOfKey(string keyId) => _tenantOfKey.GetValueOrDefault(keyId);

    /// <summary>The limits that apply to a request by this key: its tenant's first, then its own (the order refusals are reported in).</summary>
    public IReadOnlyList<RateLimits> LimitsFor(string? tenantId, string keyId)
    {
        var tenant = tenantId is null ? null : _tenantLimits.GetValueOrDefault(tenantId);
        var key = _keyLimits.GetValueOrDefault(keyId);
        return (tenant, key) switch
        {
            (null, null) => [],
            (null, { } k) => [k],
            ({ } t, null) => [t],
            ({ } t, { } k) => [t, k],
        };
    }

    /// <summary>
    /// The price of a model in a currency at a time: the newest version whose effective time has come. Versions with a
    /// future effective time are kept, so a scheduled price applies on time without a reload.
    /// </summary>
    public PriceVersion? PriceAt(string model, string currency, DateTimeOffset when)
    {
        if (!_prices.TryGetValue((model, currency), out var versions))
        {
            return null;
        }

        foreach (var price in versions)
        {
            if (price.EffectiveAt <= when)
            {
                return price;
            }
        }

        return null;
    }

    /// <summary>Whether the key has its own ledger account (<c>key:&lt;id&gt;</c>), which it then spends from instead of its tenant's.</summary>
    public bool HasKeyAccount(string keyId) => _keysWithAccount.Contains(keyId);

    /// <summary>Reads the snapshot inside <paramref name="transaction"/>, so its rows and version are consistent.</summary>
    public static BillingSnapshot Read(DbConnection connection, DbTransaction transaction)
    {
        long version = Storage.ConfigVersion.Read(connection, transaction);

        var tenants = new Dictionary<string, Tenant>(StringComparer.Ordinal);
        var tenantOfKey = new Dictionary<string, Tenant>(StringComparer.Ordinal);
        using (var command = Command(connection, transaction, """
            SELECT kt.key_id, t.id, t.name, t.currency, t.multiplier_ppm, t.created_at
            FROM key_tenants kt JOIN tenants t ON t.id = kt.tenant_id
            """))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                string tenantId = reader.GetString(1);
                if (!tenants.TryGetValue(tenantId, out var tenant))
                {
                    tenant = new Tenant(tenantId, reader.GetString(2), reader.GetString(3), reader.GetInt64(4), SqlTime.Parse(reader.GetString(5)));
                    tenants[tenantId] = tenant;
                }

                tenantOfKey[reader.GetString(0)] = tenant;
            }
        }

        var keyLimits = new Dictionary<string, RateLimits>(StringComparer.Ordinal);
        var tenantLimits = new Dictionary<string, RateLimits>(StringComparer.Ordinal);
        foreach (var limits in RateLimitStore.ReadAll(connection, transaction))
        {
            (limits.Scope == "key" ? keyLimits : tenantLimits)[limits.SubjectId] = limits;
        }

        var prices = PriceTable.ReadAll(connection, transaction)
            .GroupBy(p => (p.Model, p.Currency))
            .ToFrozenDictionary(
                g => g.Key,
                g => g.OrderByDescending(p => p.EffectiveAt).ThenByDescending(p => p.Version).ToImmutableArray());

        var keysWithAccount = new HashSet<string>(StringComparer.Ordinal);
        using (var command = Command(connection, transaction, "SELECT key_id FROM accounts WHERE kind = 'key' AND key_id IS NOT NULL"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                keysWithAccount.Add(reader.GetString(0));
            }
        }

        return new BillingSnapshot(
            version,
            tenantOfKey.ToFrozenDictionary(StringComparer.Ordinal),
            keyLimits.ToFrozenDictionary(StringComparer.Ordinal),
            tenantLimits.ToFrozenDictionary(StringComparer.Ordinal),
            prices,
            keysWithAccount.ToFrozenSet(StringComparer.Ordinal));
    }

    private static DbCommand Command(DbConnection connection, DbTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
