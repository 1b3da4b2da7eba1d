using System.Data.Common;
using Warden.Core.Chat;
using Warden.Server.Billing;
using Warden.Server.Keys;
using Warden.Server.Residency;
using Warden.Server.Routing;
using Warden.Server.Storage;
using Warden.Server.Tests.Billing;
using Warden.Server.Tests.Support;
using CanonicalUsage = Warden.Core.Chat.Usage;

namespace Warden.Server.Tests.Storage;

/// <summary>
/// The store conformance suite (issue 24): every store behaves the same on each backend. A subclass per backend gives
/// the database (<see cref="Postgres"/>: null for the SQLite file in the data folder). Each test opens a fresh data
/// folder on a fresh database.
/// </summary>
public abstract class StoreConformanceTests
{
    /// <summary>The PostgreSQL connection string of this test's database, or null for SQLite.</summary>
    private protected abstract string? Postgres { get; }

    [BackendFact]
    public void Keys_IssueListRevoke()
    {
        using var setup = new BillingSetup(postgres: Postgres);
        var folder = setup.Folder;
        var issued = folder.KeyIssuer.Issue("dev", KeyRole.Client, ["sim-small"], null);
        var listed = Assert.Single(folder.Keys.List(), k => k.Id == issued.Key.Id);
        Assert.Equal(["sim-small"], listed.AllowedModels);
        Assert.Null(listed.RevokedAt);
        Assert.True(folder.Keys.Revoke(issued.Key.Id));
        Assert.False(folder.Keys.Revoke("no-such-key"));
        Assert.NotNull(Assert.Single(folder.Keys.List(), k => k.Id == issued.Key.Id).RevokedAt);
    }

    [BackendFact]
    public void ChannelsAliasesPolicies_RoundTrip()
    {
        using var setup = new BillingSetup(postgres: Postgres);
        var folder = setup.Folder;
        var added = folder.ChannelRegistrar.Add(new ChannelSpec("up-1", "simulator", "http://127.0.0.1:9/", ["sim-small", "sim-large"], 3, "sk-secret", AllowPrivateNetwork: true));
        Assert.Null(added.Problem);
        var channel = Assert.Single(folder.Channels.List(), c => c.Name == "up-1");
        Assert.Equal(3, channel.Priority);
        Assert.Equal(["sim-small", "sim-large"], channel.Models);

        // The alias check reads the channels' JSON model lists (json_each on both backends).
        Assert.NotNull(folder.Aliases.Add("sim-small", "sim-large", null, null).Problem);
        Assert.NotNull(folder.Aliases.Add("fast", "no-such-model", null, null).Problem);
        Assert.Null(folder.Aliases.Add("fast", "sim-small", null, null).Problem);
        Assert.NotNull(folder.Aliases.Add("fast", "sim-small", null, null).Problem);
        Assert.Equal("sim-small", Assert.Single(folder.Aliases.List(), a => a.Name == "fast").Model);

        var (policy, problem) = folder.Policies.Set("up-1", "Be brief.", 512, new Dictionary<string, string>());
        Assert.Null(problem);
        Assert.Equal(512, policy!.MaxOutputTokensCap);
        Assert.Null(folder.Policies.Clear("up-1"));

        Assert.True(folder.Aliases.Remove("fast"));
        Assert.True(folder.Channels.Remove("up-1"));
        Assert.DoesNotContain(folder.Channels.List(), c => c.Name == "up-1");
    }

    [BackendFact]
    public void Ledger_TopUpReserveSettle_Balances_AndCheckPasses()
    {
        using var setup = new BillingSetup(postgres: Postgres);
        var ledger = setup.Billing.Ledger;
        Assert.Null(ledger.TopUp(setup.Tenant, null, 1_000_000, "admin:test").Problem);
        Assert.Equal(ReserveStatus.Reserved, ledger.Reserve(LedgerTests.Hold(setup, "req-1", 400_000)).Status);
        Assert.Equal(ReserveStatus.InsufficientCredit, ledger.Reserve(LedgerTests.Hold(setup, "req-2", 600_001)).Status);
        var settled = ledger.Settle("req-1", LedgerTests.Cost(setup, 32_800), new CanonicalUsage(10_000, 1_500, null, null, null, UsageSource.Reported))!;
        Assert.Equal(32_800, settled.ChargedMicros);
        Assert.True(ledger.Settle("req-1", LedgerTests.Cost(setup, 99), new CanonicalUsage(1, 1, null, null, null, UsageSource.Reported))!.AlreadySettled);
        Assert.Equal(1_000_000 - 32_800, ledger.Balance(setup.Tenant.AccountId));
        Assert.Equal(32_800, ledger.Balance(LedgerAccounts.System(LedgerAccounts.Revenue, "USD")));
        Assert.Empty(setup.Billing.Check.Run());
        Assert.Equal(32_800, Assert.Single(setup.Billing.Reports.Build("tenant", null)!).ChargedMicros);
    }

    [BackendFact]
    public async Task ConcurrentReservations_NeverOverdrawTheBalance()
    {
        using var setup = new BillingSetup(postgres: Postgres);
        var ledger = setup.Billing.Ledger;
        ledger.TopUp(setup.Tenant, null, 10_000, "admin:test");
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => ledger.Reserve(LedgerTests.Hold(setup, "req-" + i, 1_000)).Status)));
        Assert.Equal(10, results.Count(s => s == ReserveStatus.Reserved));
        Assert.Equal(0, ledger.Balance(setup.Tenant.AccountId));
        Assert.Empty(setup.Billing.Check.Run());
    }

    [BackendFact]
    public void RedemptionCodes_RedeemOnce()
    {
        using var setup = new BillingSetup(postgres: Postgres);
        var (_, codes, problem) = setup.Billing.Codes.CreateBatch(2, 5_000, "USD");
        Assert.Null(problem);
        Assert.True(setup.Billing.Codes.Redeem(codes[0], setup.Tenant).Redeemed);
        Assert.False(setup.Billing.Codes.Redeem(codes[0], setup.Tenant).Redeemed);
        Assert.Equal(5_000, setup.Billing.Ledger.Balance(setup.Tenant.AccountId));
        Assert.Empty(setup.Billing.Check.Run());
    }

    [BackendFact]
    public void LimitsBudgetsAndResidency_RoundTrip()
    {
        using var setup = new BillingSetup(postgres: Postgres);
        Assert.Null(setup.Billing.RateLimits.Set(new RateLimits("tenant", setup.Tenant.Id, 60, null, 4)));
        Assert.Equal(60, Assert.Single(setup.Billing.RateLimits.List()).RequestsPerMinute);
        Assert.Null(setup.Billing.Budgets.Set("tenant", setup.Tenant.Id, BudgetPeriod.Daily, 1_000));
        Assert.Equal(1_000, Assert.Single(setup.Billing.Budgets.List()).LimitMicros);

        var (rule, problem) = setup.Folder.Residency.Set(new ResidencyRuleSpec(setup.Tenant.Id, null, "DE", Allow: "DE,FR"));
        Assert.Null(problem);
        Assert.Equal("DE", rule!.Home);
        Assert.Single(setup.Folder.Residency.List());
        Assert.Null(setup.Folder.Residency.Clear(setup.Tenant.Id, null));
        Assert.Empty(setup.Folder.Residency.List());
    }

    [BackendFact]
    public void ConfigurationChanges_BumpTheVersion_AndAreLogged()
    {
        using var setup = new BillingSetup(postgres: Postgres);
        var database = setup.Folder.Database;
        long before = Version(database);
        setup.Folder.KeyIssuer.Issue("another", KeyRole.Client, null, null);
        Assert.Equal(before + 1, Version(database));

        using var connection = database.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM log_entries WHERE kind <> 'receipt'";
        Assert.True(StorageCommands.ToInt64(count.ExecuteScalar()) >= 5, "tenant, key, assignment, price and key are logged");
    }

    [BackendFact]
    public void LogEntries_AreAppendOnly()
    {
        using var setup = new BillingSetup(postgres: Postgres);
        using var connection = setup.Folder.Database.Open();
        foreach (string sql in (string[])["UPDATE log_entries SET kind = 'x'", "DELETE FROM log_entries"])
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            var refused = Assert.ThrowsAny<DbException>(() => command.ExecuteNonQuery());
            Assert.Contains("append-only", refused.Message, StringComparison.Ordinal);
        }
    }

    private static long Version(WardenDatabase database)
    {
        using var connection = database.Open();
        return ConfigVersion.Read(connection);
    }
}
