using System.Globalization;
using Microsoft.Data.Sqlite;
using Warden.Server.Trust;

namespace Warden.Server.Storage;

/// <summary>
/// The SQLite database in the data folder: opens connections with Warden's pragmas and applies the
/// versioned SQL scripts in Storage/Migrations at start.
/// </summary>
internal sealed class WardenDatabase
{
    private readonly string _connectionString;
    private long _opened;

    public WardenDatabase(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            // Waits on a lock held by another process (the CLI while the server runs) instead of failing.
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Path { get; }

    /// <summary>The clock that dates configuration log entries.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Who makes configuration changes when no <see cref="ConfigActor"/> is set: "cli", or "server" in a running server.</summary>
    public string DefaultActor { get; set; } = "cli";

    /// <summary>Who is making a configuration change on this flow: the <see cref="ConfigActor"/>, else <see cref="DefaultActor"/>.</summary>
    public string CurrentActor => ConfigActor.Current ?? DefaultActor;

    /// <summary>How many connections <see cref="Open"/> has handed out, so tests can see which paths touch the database.</summary>
    public long Opened => Interlocked.Read(ref _opened);

    public SqliteConnection Open()
    {
        Interlocked.Increment(ref _opened);
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        // WAL lets readers run beside the usage writer; NORMAL is durable against process crashes
        // (a committed transaction survives kill -9), which is the guarantee the README states.
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    /// <summary>
    /// Runs one configuration write (keys, channels) in a transaction and, when it changed a row, appends its event
    /// to the transparency log and bumps the configuration version, so every running server reloads. All three
    /// commit together or not at all: a change takes effect only once its log entry is committed. Configuration
    /// writes go through here so none can forget it.
    /// </summary>
    /// <param name="sql">The statement.</param>
    /// <param name="bind">Binds its parameters.</param>
    /// <param name="logEvent">The event to log; by default it is read from the statement (<see cref="ConfigEvent.FromStatement"/>).</param>
    /// <returns>The number of rows changed.</returns>
    public int ChangeConfiguration(string sql, Action<SqliteParameterCollection> bind, ConfigEvent? logEvent = null)
    {
        using var connection = Open();

        // IMMEDIATE: the configuration is read before the write, and a read transaction cannot always become a writer.
        using var transaction = connection.BeginTransaction(deferred: false);
        var before = ConfigState.Read(connection, transaction);
        int changed;
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = sql;
            bind(command.Parameters);
            changed = command.ExecuteNonQuery();
            if (changed > 0)
            {
                Record(connection, transaction, before, logEvent ?? ConfigEvent.FromStatement(sql, command.Parameters, CurrentActor));
            }
        }

        transaction.Commit();
        return changed;
    }

    /// <summary>
    /// Runs a configuration write of several statements (billing: a tenant and its account, a price version, a code
    /// batch) in one IMMEDIATE transaction. When <paramref name="change"/> returns an event, the event is appended to
    /// the transparency log and the configuration version bumped, committing together with the change as in the
    /// single-statement overload. A change that refuses must do so before writing: the transaction always commits.
    /// </summary>
    /// <returns>What <paramref name="change"/> returned.</returns>
    public T ChangeConfiguration<T>(Func<SqliteConnection, SqliteTransaction, (T Result, ConfigEvent? LogEvent)> change)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        var before = ConfigState.Read(connection, transaction);
        var (result, logEvent) = change(connection, transaction);
        if (logEvent is not null)
        {
            Record(connection, transaction, before, logEvent);
        }

        transaction.Commit();
        return result;
    }

    // The tables as they were before the change must be what the log last committed (a change never launders an edit
    // made beside Warden: it is refused, and the transaction rolls back); the entry then commits to the new state.
    private void Record(SqliteConnection connection, SqliteTransaction transaction, ConfigState before, ConfigEvent logEvent)
    {
        var now = Time.GetUtcNow();
        ConfigCommitments.Verify(connection, transaction, before, CurrentActor, now);
        ConfigCommitments.Append(connection, transaction, logEvent, before, ConfigState.Read(connection, transaction), now);
        ConfigVersion.Bump(connection, transaction);
    }

    /// <summary>
    /// Runs a configuration write that needs no statement of its own but must be logged with the state it leaves (a
    /// signing key created or rotated, a master key rotation): <paramref name="change"/> writes in the transaction and
    /// returns the event, which is appended like any other configuration change.
    /// </summary>
    public T ChangeConfiguration<T>(SqliteConnection connection, SqliteTransaction transaction, Func<(T Result, ConfigEvent? LogEvent)> change)
    {
        var before = ConfigState.Read(connection, transaction);
        var (result, logEvent) = change();
        if (logEvent is not null)
        {
            Record(connection, transaction, before, logEvent);
        }

        return result;
    }

    /// <summary>Applies every embedded migration newer than the database's version, each in its own transaction.</summary>
    public void Migrate(TimeProvider time)
    {
        using var connection = Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)";
            create.ExecuteNonQuery();
        }

        long current;
        using (var query = connection.CreateCommand())
        {
            query.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
            current = (long)query.ExecuteScalar()!;
        }

        var assembly = typeof(WardenDatabase).Assembly;
        var scripts = assembly.GetManifestResourceNames()
            .Where(n => n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => (Name: n, Version: ParseVersion(n)))
            .Where(s => s.Version > current)
            .OrderBy(s => s.Version);

        foreach (var (name, version) in scripts)
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            string sql = reader.ReadToEnd();
            using var transaction = connection.BeginTransaction();
            using (var apply = connection.CreateCommand())
            {
                apply.Transaction = transaction;
                apply.CommandText = sql;
                apply.ExecuteNonQuery();
            }

            using (var mark = connection.CreateCommand())
            {
                mark.Transaction = transaction;
                mark.CommandText = "INSERT INTO schema_migrations (version, applied_at) VALUES ($v, $t)";
                mark.Parameters.AddWithValue("$v", version);
                mark.Parameters.AddWithValue("$t", SqlTime.Format(time.GetUtcNow()));
                mark.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    // Resource names look like "Warden.Server.Storage.Migrations.0001_initial.sql".
    private static int ParseVersion(string resourceName)
    {
        string file = resourceName["Warden.Server.Storage.Migrations.".Length..];
        return int.Parse(file.AsSpan(0, file.IndexOf('_', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
    }
}
