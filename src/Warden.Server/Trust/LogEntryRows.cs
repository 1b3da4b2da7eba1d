using System.Data.Common;
using Warden.Core.Trust;
using Warden.Server.Storage;

namespace Warden.Server.Trust;

/// <summary>
/// The rows of <c>log_entries</c> and <c>log_checkpoints</c>. Appends run inside the caller's write transaction
/// (SQLite serialises writers, so the next index is simply one past the largest), so an entry commits together with
/// the change it records, or not at all.
/// </summary>
internal static class LogEntryRows
{
    public const string ReceiptKind = "receipt";
    public const string ConfigKind = "config";

    /// <summary>One stored entry.</summary>
    public sealed record Row(long Index, string Kind, byte[] LeafHash, byte[] Entry, string CreatedAt);

    /// <summary>Appends an entry in <paramref name="transaction"/>; returns its index.</summary>
    public static long Append(DbConnection connection, DbTransaction transaction, string kind, byte[] entry, DateTimeOffset at)
    {
        using var command = PrepareAppend(connection);
        return Append(command, transaction, kind, entry, at);
    }

    /// <summary>
    /// The append statement, prepared on <paramref name="connection"/>: a writer that appends an entry per relayed
    /// request keeps one instead of parsing the INSERT for every receipt.
    /// </summary>
    public static DbCommand PrepareAppend(DbConnection connection)
    {
        var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO log_entries (idx, kind, leaf_hash, entry, created_at)
            VALUES ((SELECT COALESCE(MAX(idx), -1) + 1 FROM log_entries), @kind, @leaf, @entry, @at)
            RETURNING idx
            """;
        foreach (string name in (string[])["@kind", "@leaf", "@entry", "@at"])
        {
            command.Parameters.AddWithValue(name, null);
        }

        StorageCommands.Prepare(command);
        return command;
    }

    /// <summary>Appends an entry with a command from <see cref="PrepareAppend"/>, in <paramref name="transaction"/>; returns its index.</summary>
    public static long Append(DbCommand prepared, DbTransaction transaction, string kind, byte[] entry, DateTimeOffset at) =>
        Append(prepared, transaction, kind, entry, MerkleHash.Leaf(entry), at);

    /// <summary>
    /// <see cref="Append(DbCommand, DbTransaction, string, byte[], DateTimeOffset)"/> with the entry's leaf hash
    /// already computed by the caller (who keeps it for the tree).
    /// </summary>
    public static long Append(DbCommand prepared, DbTransaction transaction, string kind, byte[] entry, byte[] leafHash, DateTimeOffset at)
    {
        prepared.Transaction = transaction;
        var p = prepared.Parameters;
        p["@kind"].Value = kind;
        p["@leaf"].Value = leafHash;
        p["@entry"].Value = entry;
        p["@at"].Value = SqlTime.Format(at);
        long index = StorageCommands.ToInt64(prepared.ExecuteScalar());
        prepared.Transaction = null;
        return index;
    }

    /// <summary>Entries with index in [<paramref name="start"/>, <paramref name="end"/>), in order.</summary>
    public static List<Row> Read(DbConnection connection, long start, long end = long.MaxValue)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT idx, kind, leaf_hash, entry, created_at FROM log_entries WHERE idx >= @start AND idx < @end ORDER BY idx";
        command.Parameters.AddWithValue("@start", start);
        command.Parameters.AddWithValue("@end", end);
        using var reader = command.ExecuteReader();
        var rows = new List<Row>();
        while (reader.Read())
        {
            rows.Add(new Row(reader.GetInt64(0), reader.GetString(1), (byte[])reader.GetValue(2), (byte[])reader.GetValue(3), reader.GetString(4)));
        }

        return rows;
    }

    /// <summary>
    /// Copies the leaf hashes of entries [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>)
    /// into <paramref name="destination"/>; throws <see cref="InvalidDataException"/> when one is missing.
    /// </summary>
    public static void ReadLeafHashes(DbConnection connection, long start, int count, Span<byte> destination)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT idx, leaf_hash FROM log_entries WHERE idx >= @start AND idx < @end ORDER BY idx";
        command.Parameters.AddWithValue("@start", start);
        command.Parameters.AddWithValue("@end", start + count);
        using var reader = command.ExecuteReader();
        long expected = start;
        while (reader.Read())
        {
            byte[] leaf = (byte[])reader.GetValue(1);
            if (reader.GetInt64(0) != expected || leaf.Length != MerkleHash.Size)
            {
                break;
            }

            leaf.CopyTo(destination[(int)((expected - start) * MerkleHash.Size)..]);
            expected++;
        }

        if (expected != start + count)
        {
            throw new InvalidDataException($"transparency log entry {expected} is missing or malformed.");
        }
    }

    /// <summary>
    /// The lowest index of a configuration entry with this leaf hash, or null. Receipt entries are not indexed by leaf
    /// hash (their receipts row holds their index: see <see cref="MoveReceiptLookupsToRequestIds"/>).
    /// </summary>
    public static long? FindConfigByLeafHash(DbConnection connection, byte[] leafHash)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(idx) FROM log_entries WHERE leaf_hash = @leaf AND kind <> 'receipt'";
        command.Parameters.AddWithValue("@leaf", leafHash);
        return command.ExecuteScalar() is long index ? index : null;
    }

    /// <summary>
    /// Once, after migration 0007: gives every receipt stored before it the index of its log entry (found through the
    /// old leaf-hash index), then drops that index, in one transaction. Does nothing when the old index is gone.
    /// </summary>
    public static void MoveReceiptLookupsToRequestIds(DbConnection connection)
    {
        // PostgreSQL databases start at the schema after 0007 (their 0004 never made the old index): nothing to move.
        if (connection is not Microsoft.Data.Sqlite.SqliteConnection)
        {
            return;
        }

        using (var exists = connection.CreateCommand())
        {
            exists.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'log_entries_leaf'";
            if (StorageCommands.ToInt64(exists.ExecuteScalar()) == 0)
            {
                return;
            }
        }

        using var transaction = connection.BeginWrite();
        using var page = connection.CreateCommand();
        page.Transaction = transaction;
        page.CommandText = "SELECT request_id, jws FROM receipts WHERE log_idx IS NULL AND request_id > @after ORDER BY request_id LIMIT 1000";
        var after = page.Parameters.Add("@after", System.Data.DbType.String);
        using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = """
            UPDATE receipts SET log_idx = (SELECT MIN(idx) FROM log_entries WHERE leaf_hash = @leaf AND kind = 'receipt')
            WHERE request_id = @id
            """;
        var leaf = update.Parameters.Add("@leaf", System.Data.DbType.Binary);
        var id = update.Parameters.Add("@id", System.Data.DbType.String);
        after.Value = "";
        while (true)
        {
            var rows = new List<(string RequestId, string Jws)>();
            using (var reader = page.ExecuteReader())
            {
                while (reader.Read())
                {
                    rows.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            if (rows.Count == 0)
            {
                break;
            }

            foreach (var (requestId, jws) in rows)
            {
                leaf.Value = LogEntry.ReceiptLeafHash(jws);
                id.Value = requestId;
                update.ExecuteNonQuery();
            }

            after.Value = rows[^1].RequestId;
        }

        using (var drop = connection.CreateCommand())
        {
            drop.Transaction = transaction;
            // IF EXISTS: a CLI command and the server starting at once may both have seen the index.
            drop.CommandText = "DROP INDEX IF EXISTS log_entries_leaf";
            drop.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>The signed checkpoint with the largest tree size, or null.</summary>
    public static string? LatestCheckpoint(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT signed FROM log_checkpoints ORDER BY tree_size DESC LIMIT 1";
        return command.ExecuteScalar() as string;
    }

    /// <summary>The signed checkpoint for exactly <paramref name="treeSize"/>, or null.</summary>
    public static string? CheckpointAt(DbConnection connection, long treeSize)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT signed FROM log_checkpoints WHERE tree_size = @size";
        command.Parameters.AddWithValue("@size", treeSize);
        return command.ExecuteScalar() as string;
    }

    /// <summary>Stores a signed checkpoint (a second signer of the same size keeps the first).</summary>
    public static void StoreCheckpoint(DbConnection connection, long treeSize, string signed, DateTimeOffset at)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO log_checkpoints (tree_size, signed, created_at) VALUES (@size, @signed, @at) ON CONFLICT (tree_size) DO NOTHING";
        command.Parameters.AddWithValue("@size", treeSize);
        command.Parameters.AddWithValue("@signed", signed);
        command.Parameters.AddWithValue("@at", SqlTime.Format(at));
        command.ExecuteNonQuery();
    }
}
