namespace Warden.Server.Trust;

/// <summary>
/// The routing- and billing-relevant configuration, as the transparency log commits to it: one registration per kind
/// of object, each a SELECT whose first column is the object's name and whose other columns are its fields, in the
/// fixed order they are written in (docs/trust.md, "What the log commits to"). Never a credential, a key hash or key
/// material. A table added later (issue 20's per-tenant protection rules, say) commits its state by adding one line
/// here: every configuration entry, the digest in receipts and the start and reload checks pick it up from this list.
/// </summary>
internal static class ConfigTables
{
    /// <summary>Every kind, in the order their objects are read (the digest sorts objects by id, so this order does not matter).</summary>
    public static IReadOnlyList<ConfigTable> All { get; } =
    [
        new("channel", """
            SELECT name, id, provider, base_url, models, priority, weight, jurisdiction, connect_timeout_ms, first_byte_timeout_ms,
                   idle_timeout_ms, max_concurrency, key_pool_size, allow_private AS private_network, managed_simulator
            FROM channels
            """, "models"),
        new("policy", """
            SELECT c.name, p.version, p.system_prefix, p.max_output_tokens_cap, p.overrides
            FROM channel_policies p JOIN channels c ON c.id = p.channel_id
            """, "overrides"),
        new("alias", "SELECT name, model, provider, version FROM model_aliases"),
        new("price", """
            SELECT CAST(version AS TEXT), model, currency, input_per_million, output_per_million, cache_read_per_million,
                   cache_write_per_million, reasoning_per_million, effective_at
            FROM price_versions
            """),
        new("price_catalog", "SELECT model || '/' || currency, CAST(price_version AS TEXT) AS price_version, catalog_version FROM price_catalog"),
        new("unit_price", "SELECT CAST(version AS TEXT), model, currency, unit, variant, micros_per_unit, source, effective_at FROM unit_prices"),
        new("key", """
            SELECT k.id, k.name, k.role, k.allowed_models, k.fallback_models, k.expires_at, k.revoked_at, t.name AS tenant
            FROM client_keys k LEFT JOIN key_tenants kt ON kt.key_id = k.id LEFT JOIN tenants t ON t.id = kt.tenant_id
            """, "allowed_models", "fallback_models"),
        new("tenant", "SELECT name, id, currency, multiplier_ppm FROM tenants"),
        new("rate_limit", "SELECT scope || '/' || subject_id, requests_per_minute, tokens_per_minute, concurrent FROM rate_limits"),
        new("budget", "SELECT scope || '/' || subject_id || '/' || period, limit_micros FROM budgets"),
        new("signing_key", "SELECT kid, public_jwk, retired_at FROM receipt_signing_keys", "public_jwk"),
        new("residency", """
            SELECT scope || '/' || subject_id, home, allowed, personal_data_abroad, legal_basis, uninspectable, patterns, version
            FROM residency_rules
            """, "patterns"),
        new("channel_disabled", "SELECT c.name, d.disabled_at FROM channel_disabled d JOIN channels c ON c.id = d.channel_id"),
    ];
}

/// <summary>One kind of configuration object.</summary>
/// <param name="Kind">The object id's prefix, e.g. "channel" in "channel/sim-ext".</param>
/// <param name="Select">Object name first, then the fields; the column names are the field names.</param>
/// <param name="JsonColumns">Columns that hold JSON text, committed as JSON values (compacted) rather than as strings.</param>
internal sealed record ConfigTable(string Kind, string Select, params string[] JsonColumns);
