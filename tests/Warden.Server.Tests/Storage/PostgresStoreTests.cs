using System.Data.Common;
using Warden.Server.Billing;
using Warden.Server.Storage;
using Warden.Server.Tests.Billing;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Storage;

/// <summary>
/// The store conformance suite on PostgreSQL (WARDEN_TEST_POSTGRES), plus the invariants PostgreSQL enforces in the
/// database itself: ledger lines are append-only and each ledger transaction sums to zero when it commits.
/// </summary>
public sealed class PostgresStoreTests : StoreConformanceTests, IPostgresTests, IDisposable
{
    private readonly Lazy<TestPostgres> _database = new(() => new TestPostgres());

    private protected override string? Postgres => _database.Value.ConnectionString;

    [BackendFact]
    public void LedgerLines_CannotBeChangedOrRemoved()
    {
        using var setup = new BillingSetup(postgres: Postgres);
        setup.Billing.Ledger.TopUp(setup.Tenant, null, 1_000, "admin:test");
        using var connection = setup.Folder.Database.Open();
        foreach (string sql in (string[])["UPDATE ledger_entries SET amount_micros = amount_micros * 2", "DELETE FROM ledger_entries"])
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            Assert.Contains("append-only", Assert.ThrowsAny<DbException>(() => command.ExecuteNonQuery()).Message, StringComparison.Ordinal);
        }

        Assert.Empty(setup.Billing.Check.Run());
    }

    [BackendFact]
    public void UnbalancedLedgerTransaction_IsRefusedAtCommit()
    {
        using var setup = new BillingSetup(postgres: Postgres);
        using var connection = setup.Folder.Database.Open();
        using var transaction = connection.BeginWrite();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO ledger_entries (transaction_id, account, amount_micros, kind, reference, created_at)
            VALUES ('tx-unbalanced', @account, 500, 'adjustment', 'test', '2026-01-01T00:00:00.000Z')
            """;
        insert.Parameters.AddWithValue("@account", LedgerAccounts.Tenant(setup.Tenant.Id));
        insert.ExecuteNonQuery();
        var refused = Assert.ThrowsAny<DbException>(transaction.Commit);
        Assert.Contains("does not balance", refused.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (_database.IsValueCreated)
        {
            _database.Value.Dispose();
        }
    }
}
