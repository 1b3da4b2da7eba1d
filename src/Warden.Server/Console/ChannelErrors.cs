using Warden.Server.Storage;

namespace Warden.Server.Console;

/// <summary>Recent failed requests per channel, from the usage records (outcome codes only).</summary>
internal static class ChannelErrors
{
    public sealed record Summary(long Count, DateTimeOffset Last, string LastOutcome);

    public static Dictionary<string, Summary> Since(WardenDatabase database, DateTimeOffset since)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT u.channel_id, COUNT(*), MAX(u.created_at),
                   (SELECT v.outcome FROM usage_records v
                    WHERE v.channel_id = u.channel_id AND v.created_at >= @since AND v.status NOT BETWEEN 200 AND 299
                    ORDER BY v.created_at DESC LIMIT 1)
            FROM usage_records u
            WHERE u.created_at >= @since AND u.channel_id IS NOT NULL AND u.status NOT BETWEEN 200 AND 299
            GROUP BY u.channel_id
            """;
        command.Parameters.AddWithValue("@since", SqlTime.Format(since));
        using var reader = command.ExecuteReader();
        var errors = new Dictionary<string, Summary>(StringComparer.Ordinal);
        while (reader.Read())
        {
            errors[reader.GetString(0)] = new Summary(reader.GetInt64(1), SqlTime.Parse(reader.GetString(2)), reader.GetString(3));
        }

        return errors;
    }
}
