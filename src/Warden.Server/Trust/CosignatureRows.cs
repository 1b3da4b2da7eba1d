using System.Data.Common;
using System.Globalization;
using Warden.Server.Storage;

namespace Warden.Server.Trust;

/// <summary>The <c>log_cosignatures</c> table: witnesses' cosignature lines per checkpoint size.</summary>
internal static class CosignatureRows
{
    /// <summary>Stores a witness's cosignature line for a size (a second one for the same witness and size replaces it).</summary>
    public static void Store(DbConnection connection, long treeSize, string witness, string line, DateTimeOffset at)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO log_cosignatures (tree_size, witness, line, created_at) VALUES (@size, @witness, @line, @at) ON CONFLICT (tree_size, witness) DO UPDATE SET line = excluded.line, created_at = excluded.created_at";
        command.Parameters.AddWithValue("@size", treeSize);
        command.Parameters.AddWithValue("@witness", witness);
        command.Parameters.AddWithValue("@line", line);
        command.Parameters.AddWithValue("@at", SqlTime.Format(at));
        command.ExecuteNonQuery();
    }

    /// <summary>The cosignature lines stored for a size, in witness order.</summary>
    public static List<string> LinesAt(DbConnection connection, long treeSize)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT line FROM log_cosignatures WHERE tree_size = @size ORDER BY witness";
        command.Parameters.AddWithValue("@size", treeSize);
        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
        {
            lines.Add(reader.GetString(0));
        }

        return lines;
    }

    /// <summary>The largest size a witness cosigned (0 when none).</summary>
    public static long LastCosignedBy(DbConnection connection, string witness)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(tree_size), 0) FROM log_cosignatures WHERE witness = @witness";
        command.Parameters.AddWithValue("@witness", witness);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>The largest size with at least <paramref name="minimum"/> cosignatures, or null.</summary>
    public static long? LargestWith(DbConnection connection, int minimum)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT tree_size FROM log_cosignatures GROUP BY tree_size HAVING COUNT(*) >= @k ORDER BY tree_size DESC LIMIT 1";
        command.Parameters.AddWithValue("@k", minimum);
        return command.ExecuteScalar() is long size ? size : null;
    }
}
