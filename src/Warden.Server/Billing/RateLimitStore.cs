using Warden.Server.Storage;

namespace Warden.Server.Billing;

/// <summary>The configured rate limits per tenant and key (<c>rate_limits</c>).</summary>
internal sealed class RateLimitStore(WardenDatabase database)
{
    public string? Set(RateLimits limits)
    {
        if (limits.Scope is not ("tenant" or "key"))
        {
            return "The scope must be 'tenant' or 'key'.";
        }

        if (limits.RequestsPerMinute <= 0 || limits.TokensPerMinute <= 0 || limits.Concurrent <= 0)
        {
            return "Limits must be positive (leave one out for no limit).";
        }

        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO rate_limits (scope, subject_id, requests_per_minute, tokens_per_minute, concurrent) VALUES ($s, $id, $rpm, $tpm, $c)
            ON CONFLICT (scope, subject_id) DO UPDATE SET requests_per_minute = excluded.requests_per_minute,
                tokens_per_minute = excluded.tokens_per_minute, concurrent = excluded.concurrent
            """;
        command.Parameters.AddWithValue("$s", limits.Scope);
        command.Parameters.AddWithValue("$id", limits.SubjectId);
        command.Parameters.AddWithValue("$rpm", (object?)limits.RequestsPerMinute ?? DBNull.Value);
        command.Parameters.AddWithValue("$tpm", (object?)limits.TokensPerMinute ?? DBNull.Value);
        command.Parameters.AddWithValue("$c", (object?)limits.Concurrent ?? DBNull.Value);
        command.ExecuteNonQuery();
        return null;
    }

    public List<RateLimits> List() => Query(null, null);

    /// <summary>The limits that apply to a request by this key (and its tenant, when it has one).</summary>
    public List<RateLimits> For(string? tenantId, string keyId) => Query(tenantId, keyId);

    private List<RateLimits> Query(string? tenantId, string? keyId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = keyId is null
            ? "SELECT scope, subject_id, requests_per_minute, tokens_per_minute, concurrent FROM rate_limits ORDER BY scope, subject_id"
            : """
              SELECT scope, subject_id, requests_per_minute, tokens_per_minute, concurrent FROM rate_limits
              WHERE (scope = 'key' AND subject_id = $k) OR (scope = 'tenant' AND subject_id = $t) ORDER BY scope DESC
              """;
        command.Parameters.AddWithValue("$k", (object?)keyId ?? DBNull.Value);
        command.Parameters.AddWithValue("$t", (object?)tenantId ?? DBNull.Value);
        using var reader = command.ExecuteReader();
        var list = new List<RateLimits>();
        while (reader.Read())
        {
            list.Add(new RateLimits(reader.GetString(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4)));
        }

        return list;
    }
}
