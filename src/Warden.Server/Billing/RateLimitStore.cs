using System.Data.Common;
using Warden.Server.Storage;
using Warden.Server.Trust;

namespace Warden.Server.Billing;

/// <summary>
/// The configured rate limits per tenant and key (<c>rate_limits</c>). Requests read them from the
/// <see cref="BillingCatalog"/> snapshot; a change is a logged configuration event and reloads the snapshot.
/// </summary>
internal sealed class RateLimitStore(WardenDatabase database, BillingCatalog catalog)
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

        database.ChangeConfiguration(
            """
            INSERT INTO rate_limits (scope, subject_id, requests_per_minute, tokens_per_minute, concurrent) VALUES (@s, @id, @rpm, @tpm, @c)
            ON CONFLICT (scope, subject_id) DO UPDATE SET requests_per_minute = excluded.requests_per_minute,
                tokens_per_minute = excluded.tokens_per_minute, concurrent = excluded.concurrent
            """,
            p =>
            {
                p.AddWithValue("@s", limits.Scope);
                p.AddWithValue("@id", limits.SubjectId);
                p.AddWithValue("@rpm", (object?)limits.RequestsPerMinute ?? DBNull.Value);
                p.AddWithValue("@tpm", (object?)limits.TokensPerMinute ?? DBNull.Value);
                p.AddWithValue("@c", (object?)limits.Concurrent ?? DBNull.Value);
            },
            new ConfigEvent("rate_limit.set", limits.Scope + "/" + limits.SubjectId, database.CurrentActor));
        catalog.Reload();
        return null;
    }

    public List<RateLimits> List()
    {
        using var connection = database.Open();
        return ReadAll(connection, null);
    }

    /// <summary>Every configured limit, by scope then subject.</summary>
    public static List<RateLimits> ReadAll(DbConnection connection, DbTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT scope, subject_id, requests_per_minute, tokens_per_minute, concurrent FROM rate_limits ORDER BY scope, subject_id";
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
