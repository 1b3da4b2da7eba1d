using Warden.Server.Storage;

namespace Warden.Server.Billing;

/// <summary>
/// What one key has used, read for its own holder (<c>/v1/me</c> and the dashboard billing routes): only rows of that key,
/// never another key's, through the (key_id, created_at) index of settlements and the created_at index of usage records.
/// </summary>
internal sealed class KeySpending(WardenDatabase database)
{
    /// <summary>What the ledger took for the key's requests settled in [from, to).</summary>
    public long ChargedMicros(string keyId, DateTimeOffset from, DateTimeOffset to)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT COALESCE(CAST(SUM(charged_micros) AS BIGINT), 0) FROM settlements
            WHERE key_id = @key AND created_at >= @from AND created_at < @to
            """;
        command.Parameters.AddWithValue("@key", keyId);
        command.Parameters.AddWithValue("@from", SqlTime.Format(from));
        command.Parameters.AddWithValue("@to", SqlTime.Format(to));
        return StorageCommands.ToInt64(command.ExecuteScalar());
    }

    /// <summary>The key's requests in [from, to) and the tokens the upstreams reported for them.</summary>
    public (long Requests, long InputTokens, long OutputTokens) Usage(string keyId, DateTimeOffset from, DateTimeOffset to)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT COUNT(*), COALESCE(CAST(SUM(input_tokens) AS BIGINT), 0), COALESCE(CAST(SUM(output_tokens) AS BIGINT), 0) FROM usage_records
            WHERE created_at >= @from AND created_at < @to AND key_id = @key
            """;
        command.Parameters.AddWithValue("@key", keyId);
        command.Parameters.AddWithValue("@from", SqlTime.Format(from));
        command.Parameters.AddWithValue("@to", SqlTime.Format(to));
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}
