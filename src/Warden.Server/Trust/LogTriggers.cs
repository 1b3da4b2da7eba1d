using System.Data.Common;
using Warden.Server.Storage;

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
    public static List<string> Restore(DbConnection connection)
    {
        if (connection is not Microsoft.Data.Sqlite.SqliteConnection)
        {
            return RestorePostgres(connection);
        }

        var restored = new List<string>();
        using var transaction = connection.BeginWrite();
        foreach (var (name, sql) in Expected)
        {
            using var query = connection.CreateCommand();
            query.Transaction = transaction;
            query.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = @name";
            query.Parameters.AddWithValue("@name", name);
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

    // PostgreSQL (Storage/Migrations/pg/0004): one function refuses the change, a trigger per statement kind calls it
    // for every row. A trigger that is missing or disabled (ALTER TABLE ... DISABLE TRIGGER) is put back, with its function.
    private static List<string> RestorePostgres(DbConnection connection)
    {
        var restored = new List<string>();
        using var transaction = connection.BeginWrite();
        foreach (var (name, operation) in (ReadOnlySpan<(string, string)>)[("log_entries_no_update", "UPDATE"), ("log_entries_no_delete", "DELETE")])
        {
            using var query = connection.CreateCommand();
            query.Transaction = transaction;
            query.CommandText = """
                SELECT COUNT(*) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                WHERE t.tgname = @name AND t.tgrelid = 'log_entries'::regclass AND t.tgenabled = 'O' AND p.proname = 'warden_log_append_only'
                """;
            query.Parameters.AddWithValue("@name", name);
            if (StorageCommands.ToInt64(query.ExecuteScalar()) > 0)
            {
                continue;
            }

            using var replace = connection.CreateCommand();
            replace.Transaction = transaction;
            replace.CommandText = $"""
                CREATE OR REPLACE FUNCTION warden_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN RAISE EXCEPTION 'log_entries is append-only'; END $$;
                DROP TRIGGER IF EXISTS {name} ON log_entries;
                CREATE TRIGGER {name} BEFORE {operation} ON log_entries FOR EACH ROW EXECUTE FUNCTION warden_log_append_only();
                """;
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
