using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;
using Warden.Server.Trust;

namespace Warden.Server.Storage;

/// <summary>
/// Warden's database, the one storage backend chosen at start: the SQLite file in the data folder (the default), or
/// a PostgreSQL server shared by several nodes (<c>--database "Host=..."</c> or <c>WARDEN_DATABASE</c>). It opens
/// connections and applies the versioned SQL scripts at start: Storage/Migrations/NNNN_name.sql for SQLite and
/// Storage/Migrations/pg/NNNN_name.sql, the same migration for PostgreSQL. The stores write their SQL once against
/// <see cref="DbConnection"/> (see <see cref="StorageCommands"/>).
/// </summary>
internal sealed class WardenDatabase : IDisposable
{
    /// <summary>The environment variable that selects PostgreSQL when <c>--database</c> is not given.</summary>
    public const string EnvironmentVariable = "WARDEN_DATABASE";

    private const string SqliteScripts = "Warden.Server.Storage.Migrations.";
    private const string PostgresScripts = "Warden.Server.Storage.Migrations.pg.";

    private readonly string _connectionString = "";
    private readonly NpgsqlDataSource? _postgres;
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

    private WardenDatabase(NpgsqlDataSource postgres)
    {
        _postgres = postgres;
        Path = "";
    }

    /// <summary>The SQLite file; empty on PostgreSQL.</summary>
    public string Path { get; }

    /// <summary>Whether this is the shared PostgreSQL backend.</summary>
    public bool IsPostgres => _postgres is not null;

    /// <summary>
    /// A PostgreSQL backend. Commits wait for the WAL flush (<c>synchronous_commit=on</c>, whatever the server's default):
    /// an acknowledged answer's usage record, receipt and log entry survive a crash of the database server too.
    /// </summary>
    public static WardenDatabase Postgres(string connectionString, TimeProvider? time = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Options = "-c synchronous_commit=on",
            // The usage writer and the log readers repeat a few statements: let Npgsql prepare them.
            MaxAutoPrepare = 32,
        };
        return new WardenDatabase(new NpgsqlDataSourceBuilder(builder.ConnectionString).Build()) { Time = time ?? TimeProvider.System };
    }

    /// <summary>
    /// The database a command line names: a PostgreSQL connection string from <paramref name="option"/> or
    /// <c>WARDEN_DATABASE</c>, else null (the SQLite file in the data folder).
    /// </summary>
    public static string? ChosenConnectionString(string? option)
    {
        string? chosen = string.IsNullOrWhiteSpace(option) ? Environment.GetEnvironmentVariable(EnvironmentVariable) : option;
        return string.IsNullOrWhiteSpace(chosen) ? null : chosen;
    }

    /// <summary>Where the data lives, for messages: the SQLite path, or the PostgreSQL host and database (never the password).</summary>
    public string Describe()
    {
        if (_postgres is null)
        {
            return Path;
        }

        var builder = new NpgsqlConnectionStringBuilder(_postgres.ConnectionString);
        return $"postgresql://{builder.Host}:{builder.Port}/{builder.Database}";
    }

    /// <summary>The clock that dates configuration log entries.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Who makes configuration changes when no <see cref="ConfigActor"/> is set: "cli", or "server" in a running server.</summary>
    public string DefaultActor { get; set; } = "cli";

    /// <summary>Who is making a configuration change on this flow: the <see cref="ConfigActor"/>, else <see cref="DefaultActor"/>.</summary>
    public string CurrentActor => ConfigActor.Current ?? DefaultActor;

    /// <summary>How many connections <see cref="Open"/> has handed out, so tests can see which paths touch the database.</summary>
    public long Opened => Interlocked.Read(ref _opened);

    public DbConnection Open()
    {
        Interlocked.Increment(ref _opened);
        if (_postgres is not null)
        {
            return _postgres.OpenConnection();
        }

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
    public int ChangeConfiguration(string sql, Action<DbParameterCollection> bind, ConfigEvent? logEvent = null)
    {
        using var connection = Open();

        // IMMEDIATE: the configuration is read before the write, and a read transaction cannot always become a writer.
        using var transaction = connection.BeginWrite();
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
    public T ChangeConfiguration<T>(Func<DbConnection, DbTransaction, (T Result, ConfigEvent? LogEvent)> change)
    {
        using var connection = Open();
        using var transaction = connection.BeginWrite();
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
    private void Record(DbConnection connection, DbTransaction transaction, ConfigState before, ConfigEvent logEvent)
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
    public T ChangeConfiguration<T>(DbConnection connection, DbTransaction transaction, Func<(T Result, ConfigEvent? LogEvent)> change)
    {
        var before = ConfigState.Read(connection, transaction);
        var (result, logEvent) = change();
        if (logEvent is not null)
        {
            Record(connection, transaction, before, logEvent);
        }

        return result;
    }

    /// <summary>
    /// Applies every embedded migration newer than the database's version, each in its own writing transaction (on
    /// PostgreSQL the writer lock also keeps two nodes starting together from applying one script twice).
    /// </summary>
    public void Migrate(TimeProvider time)
    {
        using var connection = Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)";
            create.ExecuteNonQuery();
        }

        var assembly = typeof(WardenDatabase).Assembly;
        foreach (var (name, version) in Scripts(IsPostgres))
        {
            using var transaction = connection.BeginWrite();
            using (var query = connection.CreateCommand())
            {
                query.Transaction = transaction;
                query.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
                if (StorageCommands.ToInt64(query.ExecuteScalar()) >= version)
                {
                    continue;
                }
            }

            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            string sql = reader.ReadToEnd();
            using (var apply = connection.CreateCommand())
            {
                apply.Transaction = transaction;
                apply.CommandText = sql;
                apply.ExecuteNonQuery();
            }

            using (var mark = connection.CreateCommand())
            {
                mark.Transaction = transaction;
                mark.CommandText = "INSERT INTO schema_migrations (version, applied_at) VALUES (@v, @t)";
                mark.Parameters.AddWithValue("@v", (long)version);
                mark.Parameters.AddWithValue("@t", SqlTime.Format(time.GetUtcNow()));
                mark.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    /// <summary>
    /// The embedded scripts of one backend, in version order. Resource names look like
    /// "Warden.Server.Storage.Migrations.0001_initial.sql" (SQLite) and "Warden.Server.Storage.Migrations.pg.0001_initial.sql".
    /// </summary>
    public static IEnumerable<(string Name, int Version)> Scripts(bool postgres)
    {
        string prefix = postgres ? PostgresScripts : SqliteScripts;
        return typeof(WardenDatabase).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal) && char.IsAsciiDigit(n[prefix.Length]))
            .Select(n => (Name: n, Version: int.Parse(n.AsSpan(prefix.Length, n.IndexOf('_', prefix.Length) - prefix.Length), CultureInfo.InvariantCulture)))
            .OrderBy(s => s.Version);
    }

    public void Dispose() => _postgres?.Dispose();
}
