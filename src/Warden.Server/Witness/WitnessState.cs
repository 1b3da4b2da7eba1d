using Microsoft.Data.Sqlite;

namespace Warden.Server.Witness;

/// <summary>
/// A witness's memory, in its own small SQLite file: per log origin, the latest checkpoint it cosigned (size, root
/// hash and the note with its cosignature, served to monitors).
/// </summary>
internal sealed class WitnessState
{
    private readonly string _connectionString;

    public WitnessState(string path)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        using var connection = Open();
        using var create = connection.CreateCommand();
        create.CommandText = """
            CREATE TABLE IF NOT EXISTS witness_logs (
                origin     TEXT PRIMARY KEY,
                tree_size  INTEGER NOT NULL,
                root_hash  BLOB NOT NULL,
                checkpoint TEXT NOT NULL
            )
            """;
        create.ExecuteNonQuery();
    }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>The latest cosigned size and root for an origin; null when it never cosigned one.</summary>
    public static (long Size, byte[] Root)? Latest(SqliteConnection connection, SqliteTransaction transaction, string origin)
    {
        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = "SELECT tree_size, root_hash FROM witness_logs WHERE origin = $origin";
        select.Parameters.AddWithValue("$origin", origin);
        using var reader = select.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), (byte[])reader.GetValue(1)) : null;
    }

    /// <summary>The cosigned checkpoint note kept for an origin, or null.</summary>
    public string? Checkpoint(string origin)
    {
        using var connection = Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT checkpoint FROM witness_logs WHERE origin = $origin";
        select.Parameters.AddWithValue("$origin", origin);
        return select.ExecuteScalar() as string;
    }

    /// <summary>The origins it has cosigned for.</summary>
    public IReadOnlyList<string> Origins()
    {
        using var connection = Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT origin FROM witness_logs";
        using var reader = select.ExecuteReader();
        var origins = new List<string>();
        while (reader.Read())
        {
            origins.Add(reader.GetString(0));
        }

        return origins;
    }

    public static void Save(SqliteConnection connection, SqliteTransaction transaction, string origin, long size, byte[] root, string checkpoint)
    {
        using var upsert = connection.CreateCommand();
        upsert.Transaction = transaction;
        upsert.CommandText = """
            INSERT INTO witness_logs (origin, tree_size, root_hash, checkpoint) VALUES ($origin, $size, $root, $checkpoint)
            ON CONFLICT (origin) DO UPDATE SET tree_size = excluded.tree_size, root_hash = excluded.root_hash, checkpoint = excluded.checkpoint
            """;
        upsert.Parameters.AddWithValue("$origin", origin);
        upsert.Parameters.AddWithValue("$size", size);
        upsert.Parameters.AddWithValue("$root", root);
        upsert.Parameters.AddWithValue("$checkpoint", checkpoint);
        upsert.ExecuteNonQuery();
    }
}
