using Npgsql;

namespace Warden.Server.Tests.Support;

/// <summary>
/// A database of its own on the PostgreSQL server named by WARDEN_TEST_POSTGRES (a connection string to a server where
/// the tests may create databases; .ci/postgres starts one): created with a random name, dropped on dispose. When the
/// variable is unset, PostgreSQL tests are skipped with <see cref="SkipReason"/>, except under CI=true, where they run
/// and fail: a missing server must not pass silently.
/// </summary>
internal sealed class TestPostgres : IDisposable
{
    public const string EnvironmentVariable = "WARDEN_TEST_POSTGRES";

    private readonly string _server;
    private readonly string _name;

    public TestPostgres()
    {
        _server = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } server
            ? server
            : throw new InvalidOperationException($"{EnvironmentVariable} is not set: PostgreSQL tests need a server (.ci/postgres starts one).");
        _name = "warden_test_" + Guid.NewGuid().ToString("N");
        Execute($"CREATE DATABASE {_name}");
        ConnectionString = new NpgsqlConnectionStringBuilder(_server) { Database = _name }.ConnectionString;
    }

    /// <summary>The connection string of this test's database.</summary>
    public string ConnectionString { get; }

    /// <summary>Why PostgreSQL tests are skipped here, or null when they run (a server is given, or CI=true).</summary>
    public static string? SkipReason =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 }
        || string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
            ? null
            : $"{EnvironmentVariable} is not set (source .ci/postgres to start a throwaway PostgreSQL server).";

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        Execute($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)");
    }

    private void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_server) { Pooling = false }.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
