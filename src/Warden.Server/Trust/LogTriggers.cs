using Microsoft.Data.Sqlite;

namespace Warden.Server.Trust;

/// <summary>
/// The triggers that make <c>log_entries</c> append-only (migration 0004). Someone with the SQLite file can drop or
/// replace them; each start puts back any that is missing or altered (issue 19: after <c>DROP TRIGGER
/// log_entries_no_update</c> a restart neither restored it nor warned).
/// </summary>
internal static class LogTriggers
{
    private static readonly (string Name, string Sql)[] Expected =
    [
        ("log_entries_no_update", """
            CREATE TRIGGER log_entries_no_update BEFORE UPDATE ON log_entries
            BEGIN
                SELECT RAISE(ABORT, 'log_entries is append-only');
            END
            """),
        ("log_entries_no_delete", """
            CREATE TRIGGER log_entries_no_delete BEFORE DELETE ON log_entries
            BEGIN
                SELECT RAISE(ABORT, 'log_entries is append-only');
            END
            """),
    ];

    /// <summary>Restores every trigger that is missing or whose definition differs; returns the names restored.</summary>
    public static List<string> Restore(SqliteConnection connection)
    {
        var restored = new List<string>();
        using var transaction = connection.BeginTransaction(deferred: false);
        foreach (var (name, sql) in Expected)
        {
            using var query = connection.CreateCommand();
            query.Transaction = transaction;
            query.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = $name";
            query.Parameters.AddWithValue("$name", name);
            if (query.ExecuteScalar() is string stored && Normalise(stored) == Normalise(sql))
            {
                continue;
            }

            using var replace = connection.CreateCommand();
            replace.Transaction = transaction;
            replace.CommandText = $"DROP TRIGGER IF EXISTS {name}; {sql};";
            replace.ExecuteNonQuery();
            restored.Add(name);
        }

        transaction.Commit();
        return restored;
    }

    // SQLite keeps a trigger's text as written: compare without whitespace and case.
    private static string Normalise(string sql) =>
        string.Concat(sql.Where(c => !char.IsWhiteSpace(c) && c != ';')).ToUpperInvariant();
}
