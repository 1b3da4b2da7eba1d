using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Warden.Server.Storage;

/// <summary>
/// The few ADO.NET calls whose spelling differs between SQLite and PostgreSQL, so the stores write their SQL once
/// against <see cref="DbConnection"/>. Parameters are named <c>@name</c>, which both providers accept.
/// </summary>
internal static class StorageCommands
{
    /// <summary>
    /// A key for <c>pg_advisory_xact_lock</c> that every writing transaction takes on PostgreSQL: writers run one at a
    /// time across every node, as SQLite's <c>BEGIN IMMEDIATE</c> makes them run one at a time across processes. The
    /// stores rely on it (the transparency log's next index is read and written in one transaction; a balance is read
    /// before it is moved), so both backends give them the same guarantee. The value is arbitrary ("WARDEN01").
    /// </summary>
    public const long WriterLockKey = 0x5741_5244_454E_3031;

    /// <summary>
    /// Starts a transaction that will write: SQLite's IMMEDIATE (takes the write lock now, so a read-then-write never
    /// fails half-way), PostgreSQL's READ COMMITTED after taking the writer lock (each statement then sees every
    /// commit made before the lock was granted, which is what SQLite's single writer sees).
    /// </summary>
    public static DbTransaction BeginWrite(this DbConnection connection)
    {
        if (connection is SqliteConnection sqlite)
        {
            return sqlite.BeginTransaction(deferred: false);
        }

        var transaction = connection.BeginTransaction(IsolationLevel.ReadCommitted);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT pg_advisory_xact_lock({WriterLockKey})";
        command.ExecuteNonQuery();
        return transaction;
    }

    /// <summary>A read-only snapshot: SQLite's deferred transaction, PostgreSQL's REPEATABLE READ (one snapshot for every statement).</summary>
    public static DbTransaction BeginRead(this DbConnection connection) =>
        connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: true)
            : connection.BeginTransaction(IsolationLevel.RepeatableRead);

    /// <summary>Adds a parameter with its value; booleans are stored as 0/1 on both backends (the columns are integers).</summary>
    public static DbParameter AddWithValue(this DbParameterCollection parameters, string name, object? value)
    {
        var parameter = Create(parameters, name);
        parameter.Value = value switch
        {
            null => DBNull.Value,
            bool b => b ? 1L : 0L,
            _ => value,
        };
        parameters.Add(parameter);
        return parameter;
    }

    /// <summary>Adds a typed parameter whose value is set for each execution.</summary>
    public static DbParameter Add(this DbParameterCollection parameters, string name, DbType type)
    {
        var parameter = Create(parameters, name);
        parameter.DbType = type;
        parameters.Add(parameter);
        return parameter;
    }

    /// <summary>
    /// Prepares a command kept for many executions. Only SQLite needs it: Npgsql prepares statements it sees
    /// repeatedly by itself (Max Auto Prepare), and cannot prepare a command whose parameters have no value yet.
    /// </summary>
    public static void Prepare(DbCommand command)
    {
        if (command is SqliteCommand)
        {
            command.Prepare();
        }
    }

    /// <summary>Reads an integer result whatever width the backend returns it in (PostgreSQL's SUM of BIGINT is NUMERIC).</summary>
    public static long ToInt64(object? value) => value is null or DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Whether a failure is a constraint violation (a duplicate, a failed CHECK or foreign key).</summary>
    public static bool IsConstraintViolation(this DbException exception) => exception switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode == 19,
        PostgresException postgres => postgres.SqlState.StartsWith("23", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>A short code for logs: SQLite's result code, or PostgreSQL's SQLSTATE as a number where it is one.</summary>
    public static int Code(this DbException exception) => exception switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode,
        PostgresException postgres when int.TryParse(postgres.SqlState, out int state) => state,
        _ => -1,
    };

    private static DbParameter Create(DbParameterCollection parameters, string name) => parameters switch
    {
        NpgsqlParameterCollection => new NpgsqlParameter { ParameterName = name },
        _ => new SqliteParameter { ParameterName = name },
    };
}
