using System.Data.Common;

namespace Warden.Server.Storage;

/// <summary>
/// A counter in <c>meta</c> bumped by every configuration change (keys, channels, secrets, billing), so a running
/// server notices changes the CLI made to the same database and reloads its in-memory snapshots.
/// </summary>
internal static class ConfigVersion
{
    public static void Bump(DbConnection connection, DbTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO meta (key, value) VALUES ('config_version', '1')
            ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)
            """;
        command.ExecuteNonQuery();
    }

    public static long Read(DbConnection connection, DbTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'config_version'";
        return command.ExecuteScalar() is long v ? v : 0;
    }
}
