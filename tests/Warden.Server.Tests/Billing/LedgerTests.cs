using System.Collections.Concurrent;
using Warden.Core.Chat;
using Warden.Server.Billing;
using Warden.Server.Tests.Simulator;
using CanonicalUsage = Warden.Core.Chat.Usage;

namespace Warden.Server.Tests.Billing;

/// <summary>The double-entry ledger: invariants, reserve/settle/refund, idempotency, concurrency and tamper detection.</summary>
public sealed class LedgerTests
{
    [Fact]
    public void TopUpReserveSettle_MovesCreditThroughBalancedTransactions()
    {
        using var setup = new BillingSetup();
        var ledger = setup.Billing.Ledger;
        Assert.Null(ledger.TopUp(setup.Tenant, null, 1_000_000, "admin:test").Problem);

        var hold = Hold(setup, "req-1", 400_000);
        Assert.Equal(ReserveStatus.Reserved, ledger.Reserve(hold).Status);
        Assert.Equal(600_000, ledger.Balance(setup.Tenant.AccountId));
        Assert.Equal(400_000, ledger.Balance(LedgerAccounts.System(LedgerAccounts.Reserved, "USD")));

        var settled = ledger.Settle("req-1", Cost(setup, 32_800), new CanonicalUsage(10_000, 1_500, 6_000, 2_000, 1_000, UsageSource.Reported))!;
        Assert.Equal(32_800, settled.ChargedMicros);
        Assert.Equal(367_200, settled.RefundedMicros);
        Assert.Equal(setup.Price.Version, settled.PriceVersion);
        Assert.Equal(1_000_000 - 32_800, ledger.Balance(setup.Tenant.AccountId));
        Assert.Equal(0, ledger.Balance(LedgerAccounts.System(LedgerAccounts.Reserved, "USD")));
        Assert.Equal(32_800, ledger.Balance(LedgerAccounts.System(LedgerAccounts.Revenue, "USD")));
        Assert.Equal(-1_000_000, ledger.Balance(LedgerAccounts.System(LedgerAccounts.Topups, "USD")));
        Assert.Empty(setup.Billing.Check.Run());
    }

    [Fact]
    public void Reserve_RefusesWhatTheBalanceCannotCover_AndTakesNothing()
    {
        using var setup = new BillingSetup();
        var ledger = setup.Billing.Ledger;
        ledger.TopUp(setup.Tenant, null, 100, "admin:test");
        var result = ledger.Reserve(Hold(setup, "req-big", 101));
        Assert.Equal(ReserveStatus.InsufficientCredit, result.Status);
        Assert.Contains("Insufficient credit", result.Message, StringComparison.Ordinal);
        Assert.Equal(100, ledger.Balance(setup.Tenant.AccountId));
        Assert.Equal(ReserveStatus.Reserved, ledger.Reserve(Hold(setup, "req-exact", 100)).Status);
        Assert.Equal(0, ledger.Balance(setup.Tenant.AccountId));
        Assert.Empty(setup.Billing.Check.Run());
    }

    [Fact]
    public void Settle_Twice_BillsOnce()
    {
        using var setup = new BillingSetup();
        var ledger = setup.Billing.Ledger;
        ledger.TopUp(setup.Tenant, null, 1_000_000, "admin:test");
        ledger.Reserve(Hold(setup, "req-retry", 500_000));
        var usage = new CanonicalUsage(1_000, 100, null, null, null, UsageSource.Reported);

        var first = ledger.Settle("req-retry", Cost(setup, 4_500), usage)!;
        var second = ledger.Settle("req-retry", Cost(setup, 9_999), usage)!;

        Assert.False(first.AlreadySettled);
        Assert.True(second.AlreadySettled);
        Assert.Equal(4_500, second.ChargedMicros);
        Assert.Equal(1_000_000 - 4_500, ledger.Balance(setup.Tenant.AccountId));
        Assert.Equal(4_500, ledger.Balance(LedgerAccounts.System(LedgerAccounts.Revenue, "USD")));
        Assert.Empty(setup.Billing.Check.Run());
    }

    [Fact]
    public async Task ConcurrentSettlementsOfOneRequest_BillOnce()
    {
        using var setup = new BillingSetup();
        var ledger = setup.Billing.Ledger;
        ledger.TopUp(setup.Tenant, null, 1_000_000, "admin:test");
        ledger.Reserve(Hold(setup, "req-race", 500_000));
        var usage = new CanonicalUsage(1_000, 100, null, null, null, UsageSource.Reported);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => ledger.Settle("req-race", Cost(setup, 4_500), usage)!)));

        Assert.Single(results, r => !r.AlreadySettled);
        Assert.Equal(1_000_000 - 4_500, ledger.Balance(setup.Tenant.AccountId));
        Assert.Empty(setup.Billing.Check.Run());
    }

    [Fact]
    public void CostAboveTheHold_TakesOnlyWhatTheBalanceHas_AndRecordsTheShortfall()
    {
        using var setup = new BillingSetup();
        var ledger = setup.Billing.Ledger;
        ledger.TopUp(setup.Tenant, null, 1_000, "admin:test");
        ledger.Reserve(Hold(setup, "req-over", 800));

        var settled = ledger.Settle("req-over", Cost(setup, 1_500), new CanonicalUsage(500, 0, null, null, null, UsageSource.Reported))!;

        Assert.Equal(1_000, settled.ChargedMicros);
        Assert.Equal(500, settled.ShortfallMicros);
        Assert.Equal(0, ledger.Balance(setup.Tenant.AccountId));
        Assert.Empty(setup.Billing.Check.Run());
    }

    [Fact]
    public async Task TwoHundredConcurrentReservations_AgainstFiftyWorstCases_ExactlyFiftySucceed_AndTheLedgerChecks()
    {
        using var setup = new BillingSetup();
        var ledger = setup.Billing.Ledger;
        const long worstCase = 33_750;
        ledger.TopUp(setup.Tenant, null, 50 * worstCase, "admin:test");
        var lowest = new ConcurrentBag<long>();

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() =>
        {
            var result = ledger.Reserve(Hold(setup, "req-" + i, worstCase));
            lowest.Add(ledger.Balance(setup.Tenant.AccountId)!.Value);
            return (Id: "req-" + i, result.Status);
        })));

        var reserved = results.Where(r => r.Status == ReserveStatus.Reserved).ToList();
        Assert.Equal(50, reserved.Count);
        Assert.Equal(150, results.Count(r => r.Status == ReserveStatus.InsufficientCredit));
        Assert.True(lowest.Min() >= 0);
        Assert.Equal(0, ledger.Balance(setup.Tenant.AccountId));
        Assert.Empty(setup.Billing.Check.Run());

        // Settle them all concurrently, each at a fraction of its hold.
        await Task.WhenAll(reserved.Select((r, i) => Task.Run(() =>
            ledger.Settle(r.Id, Cost(setup, 1_000 + i), new CanonicalUsage(100, 10, null, null, null, UsageSource.Reported)))));

        long charged = Enumerable.Range(0, 50).Sum(i => 1_000L + i);
        Assert.Equal((50 * worstCase) - charged, ledger.Balance(setup.Tenant.AccountId));
        Assert.Equal(charged, ledger.Balance(LedgerAccounts.System(LedgerAccounts.Revenue, "USD")));
        Assert.Equal(0, ledger.Balance(LedgerAccounts.System(LedgerAccounts.Reserved, "USD")));
        Assert.Empty(setup.Billing.Check.Run());
    }

    [Fact]
    public void AdminAdjust_CorrectsBothWays_ButNeverBelowZero()
    {
        using var setup = new BillingSetup();
        var ledger = setup.Billing.Ledger;
        Assert.Null(ledger.AdminAdjust(setup.Tenant.AccountId, 500, "admin:goodwill").Problem);
        Assert.Null(ledger.AdminAdjust(setup.Tenant.AccountId, -200, "admin:correction").Problem);
        Assert.NotNull(ledger.AdminAdjust(setup.Tenant.AccountId, -301, "admin:too-much").Problem);
        Assert.Equal(300, ledger.Balance(setup.Tenant.AccountId));
        Assert.Empty(setup.Billing.Check.Run());
    }

    [Fact]
    public void LedgerCheck_FindsATamperedEntry()
    {
        using var setup = new BillingSetup();
        var ledger = setup.Billing.Ledger;
        ledger.TopUp(setup.Tenant, null, 1_000_000, "admin:test");
        ledger.Reserve(Hold(setup, "req-t", 10_000));
        ledger.Settle("req-t", Cost(setup, 2_000), new CanonicalUsage(100, 10, null, null, null, UsageSource.Reported));
        Assert.Empty(setup.Billing.Check.Run());

        setup.RawSql("UPDATE ledger_entries SET amount_micros = amount_micros + 5000 WHERE account LIKE 'tenant:%' AND kind = 'refund'");

        var problems = setup.Billing.Check.Run();
        Assert.Contains(problems, p => p.Contains("does not balance", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("stored balance", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Settlement req-t", StringComparison.Ordinal));
    }

    [Fact]
    public void LedgerCheck_FindsADeletedSettlementEntry_AndAnEditedCachedBalance()
    {
        using var setup = new BillingSetup();
        var ledger = setup.Billing.Ledger;
        ledger.TopUp(setup.Tenant, null, 1_000_000, "admin:test");
        ledger.Reserve(Hold(setup, "req-d", 10_000));
        ledger.Settle("req-d", Cost(setup, 2_000), new CanonicalUsage(100, 10, null, null, null, UsageSource.Reported));

        setup.RawSql("DELETE FROM ledger_entries WHERE account LIKE 'system:revenue:%'");
        setup.RawSql($"UPDATE accounts SET balance_micros = 5 WHERE id = '{setup.Tenant.AccountId}'");

        var problems = setup.Billing.Check.Run();
        Assert.Contains(problems, p => p.Contains("revenue entries sum to 0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains($"Account {setup.Tenant.AccountId}: stored balance 5", StringComparison.Ordinal));
    }

    [Fact]
    public void ReleaseStale_ReturnsHoldsOfRequestsThatNeverSettled_Once()
    {
        var clock = new ManualTimeProvider();
        using var setup = new BillingSetup(clock);
        var ledger = setup.Billing.Ledger;
        ledger.TopUp(setup.Tenant, null, 1_000, "admin:test");
        ledger.Reserve(Hold(setup, "old", 600));
        clock.Advance(TimeSpan.FromHours(2));
        ledger.Reserve(Hold(setup, "new", 300));

        Assert.Equal(1, ledger.ReleaseStale(clock.GetUtcNow() - TimeSpan.FromHours(1)));
        Assert.Equal(0, ledger.ReleaseStale(clock.GetUtcNow() - TimeSpan.FromHours(1)));
        Assert.Equal(700, ledger.Balance(setup.Tenant.AccountId));
        var released = ledger.FindSettlement("old")!;
        Assert.Equal(0, released.ChargedMicros);
        Assert.StartsWith("expired", released.UsageNote, StringComparison.Ordinal);
        Assert.Empty(setup.Billing.Check.Run());
    }

    internal static HoldRequest Hold(BillingSetup setup, string requestId, long amount) =>
        new(requestId, setup.Tenant.AccountId, setup.Tenant.Id, setup.Key.Id, BillingSetup.Model, setup.Price.Version, amount);

    internal static CostBreakdown Cost(BillingSetup setup, long total) =>
        new(setup.Price.Version, "USD", total, 0, 0, 0, 0, 1_000_000, total, "reported", "");
}
