using Warden.Core.Chat;
using Warden.Server.Billing;
using Warden.Server.Keys;
using Warden.Server.Tests.Simulator;
using CanonicalUsage = Warden.Core.Chat.Usage;

namespace Warden.Server.Tests.Billing;

/// <summary>The two calls the pipeline will make: reserve the worst case (or refuse), then settle reported usage.</summary>
public sealed class BillingGateTests
{
    [Fact]
    public async Task ReserveThenSettle_HoldsTheWorstCase_AndBillsTheReportedUsage()
    {
        using var setup = new BillingSetup(multiplierPpm: 1_250_000);
        setup.Billing.Ledger.TopUp(setup.Tenant, null, 1_000_000, "admin:test");

        var outcome = await setup.Billing.Gate.ReserveAsync(setup.Key, BillingSetup.Model, 10_000, 2_000, "req-gate");
        var reservation = Assert.IsType<Reservation>(outcome.Reservation);
        // (10_000 × 3.75 + 2 + 2_000 × 15 + 1) × 1.25 = 67_503 × 1.25 = 84_378.75, rounded up (the 2 and the 1 are the
        // rounding slack of the three input and two output components, see PriceCalculator.WorstCase)
        Assert.Equal(84_379, reservation.ReservedMicros);
        Assert.Equal(1_000_000 - 84_379, setup.Billing.Ledger.Balance(setup.Tenant.AccountId));

        var settled = (await setup.Billing.Gate.SettleAsync(reservation, new CanonicalUsage(10_000, 1_500, 6_000, 2_000, 1_000, UsageSource.Reported)))!;
        Assert.Equal(41_000, settled.ChargedMicros);   // 32_800 × 1.25
        Assert.Equal(setup.Price.Version, settled.PriceVersion);
        Assert.Equal(1_000_000 - 41_000, setup.Billing.Ledger.Balance(setup.Tenant.AccountId));

        var again = (await setup.Billing.Gate.SettleAsync(reservation, new CanonicalUsage(10_000, 1_500, 6_000, 2_000, 1_000, UsageSource.Reported)))!;
        Assert.True(again.AlreadySettled);
        Assert.Equal(1_000_000 - 41_000, setup.Billing.Ledger.Balance(setup.Tenant.AccountId));
        Assert.Empty(setup.Billing.Check.Run());
    }

    [Fact]
    public async Task InputEstimate_IsComputedOnlyWhenATokenLimitOrTheHoldUsesIt()
    {
        // The estimate reads the whole request body, so a key with no tenant and no token limit never pays for it.
        using var setup = new BillingSetup();
        setup.Billing.Ledger.TopUp(setup.Tenant, null, 1_000_000, "admin:test");
        var unmetered = setup.Folder.KeyIssuer.Issue("free-key", KeyRole.Client, null, null).Key;
        int calls = 0;
        long Estimate()
        {
            calls++;
            return 1_000;
        }

        Assert.NotNull((await setup.Billing.Gate.ReserveAsync(unmetered, BillingSetup.Model, Estimate, 100, "r-free")).Reservation);
        Assert.Equal(0, calls);

        Assert.Null(setup.Billing.RateLimits.Set(new RateLimits("key", unmetered.Id, null, 1_000_000, null)));
        Assert.NotNull((await setup.Billing.Gate.ReserveAsync(unmetered, BillingSetup.Model, Estimate, 100, "r-limited")).Reservation);
        Assert.Equal(1, calls);

        var held = (await setup.Billing.Gate.ReserveAsync(setup.Key, BillingSetup.Model, Estimate, 100, "r-metered")).Reservation!;
        Assert.Equal(2, calls);
        Assert.Equal(5_253, held.ReservedMicros);   // 1_000 input at its dearest rate (3.75) + 100 output at 15, + 3 slack
    }

    [Fact]
    public async Task SettlementUsesTheReservedPriceVersion_EvenAfterAPriceChange()
    {
        using var setup = new BillingSetup();
        setup.Billing.Ledger.TopUp(setup.Tenant, null, 1_000_000, "admin:test");
        var reservation = (await setup.Billing.Gate.ReserveAsync(setup.Key, BillingSetup.Model, 100, 100, "req-v")).Reservation!;
        var newer = setup.Billing.Prices.Set(BillingSetup.Model, "USD", new PriceRates(30_000_000, 150_000_000, 3_000_000, 37_500_000, 100_000_000)).Price!;
        Assert.True(newer.Version > setup.Price.Version);

        var settled = (await setup.Billing.Gate.SettleAsync(reservation, new CanonicalUsage(100, 100, null, null, null, UsageSource.Reported)))!;
        Assert.Equal(setup.Price.Version, settled.PriceVersion);
        Assert.Equal(300 + 1_500, settled.ChargedMicros);
    }

    [Fact]
    public async Task NoUsageReported_CostsNothing_RefundsAll_AndSaysSo()
    {
        using var setup = new BillingSetup();
        setup.Billing.Ledger.TopUp(setup.Tenant, null, 1_000_000, "admin:test");
        var reservation = (await setup.Billing.Gate.ReserveAsync(setup.Key, BillingSetup.Model, 100, 100, "req-none")).Reservation!;
        var settled = (await setup.Billing.Gate.SettleAsync(reservation, CanonicalUsage.NotReported))!;
        Assert.Equal(0, settled.ChargedMicros);
        Assert.Equal("not_reported", settled.UsageSource);
        Assert.Equal(1_000_000, setup.Billing.Ledger.Balance(setup.Tenant.AccountId));
    }

    [Fact]
    public async Task Refusals_Say402ForCreditAndBudget_And429WithRetryAfterForRates()
    {
        var clock = new ManualTimeProvider();
        using var setup = new BillingSetup(clock);

        var broke = (await setup.Billing.Gate.ReserveAsync(setup.Key, BillingSetup.Model, 100, 100, "r1")).Refusal!;
        Assert.Equal(BillingRefusalKind.InsufficientCredit, broke.Kind);
        Assert.Equal(402, broke.StatusCode);
        Assert.Equal("insufficient_credit", broke.Code);

        setup.Billing.Ledger.TopUp(setup.Tenant, null, 1_000_000, "admin:test");
        setup.Billing.Budgets.Set("tenant", setup.Tenant.Id, BudgetPeriod.Monthly, 10);
        var budget = (await setup.Billing.Gate.ReserveAsync(setup.Key, BillingSetup.Model, 100, 100, "r2")).Refusal!;
        Assert.Equal(BillingRefusalKind.BudgetExceeded, budget.Kind);
        Assert.Equal(402, budget.StatusCode);

        setup.Billing.Budgets.Set("tenant", setup.Tenant.Id, BudgetPeriod.Monthly, 1_000_000);
        setup.Billing.RateLimits.Set(new RateLimits("key", setup.Key.Id, 1, null, null));
        Assert.NotNull((await setup.Billing.Gate.ReserveAsync(setup.Key, BillingSetup.Model, 100, 100, "r3")).Reservation);
        var limited = (await setup.Billing.Gate.ReserveAsync(setup.Key, BillingSetup.Model, 100, 100, "r4")).Refusal!;
        Assert.Equal(BillingRefusalKind.RateLimited, limited.Kind);
        Assert.Equal(429, limited.StatusCode);
        Assert.Equal(60, limited.RetryAfterSeconds);

        var unpriced = (await setup.Billing.Gate.ReserveAsync(setup.Key, "no-such-model", 1, 1, "r5"));
        Assert.Equal(BillingRefusalKind.RateLimited, unpriced.Refusal!.Kind);   // the rate limit still applies first
        clock.Advance(TimeSpan.FromMinutes(1));
        var notPriced = (await setup.Billing.Gate.ReserveAsync(setup.Key, "no-such-model", 1, 1, "r6")).Refusal!;
        Assert.Equal(BillingRefusalKind.NotPriced, notPriced.Kind);
        Assert.Empty(setup.Billing.Check.Run());
    }

    [Fact]
    public async Task AKeyWithoutATenant_IsNotMetered()
    {
        using var setup = new BillingSetup();
        var loose = setup.Folder.KeyIssuer.Issue("loose", KeyRole.Client, null, null).Key;
        var reservation = (await setup.Billing.Gate.ReserveAsync(loose, BillingSetup.Model, 100, 100, "free")).Reservation!;
        Assert.False(reservation.IsMetered);
        Assert.Null(await setup.Billing.Gate.SettleAsync(reservation, new CanonicalUsage(100, 100, null, null, null, UsageSource.Reported)));
    }

    [Fact]
    public async Task AKeyWithItsOwnAccount_IsChargedThere()
    {
        using var setup = new BillingSetup();
        setup.Billing.Ledger.TopUp(setup.Tenant, setup.Key.Id, 500_000, "admin:test");
        var reservation = (await setup.Billing.Gate.ReserveAsync(setup.Key, BillingSetup.Model, 100, 100, "keyed")).Reservation!;
        Assert.Equal(LedgerAccounts.Key(setup.Key.Id), reservation.Account);
        await setup.Billing.Gate.SettleAsync(reservation, new CanonicalUsage(100, 100, null, null, null, UsageSource.Reported));
        Assert.Equal(500_000 - 1_800, setup.Billing.Ledger.Balance(LedgerAccounts.Key(setup.Key.Id)));
        Assert.Equal(0, setup.Billing.Ledger.Balance(setup.Tenant.AccountId));
        Assert.Empty(setup.Billing.Check.Run());
    }
    [Fact]
    public async Task ARequestThatFailedWithNoUsage_GivesItsTokensBack_SoItsMaxOutputLeavesNoDebt()
    {
        // A failed request (nothing answered, usage not reported) consumed nothing: keeping its 5,000-token take left the
        // key's bucket in debt for minutes after one upstream error (issue 18).
        using var setup = new BillingSetup(new ManualTimeProvider());
        var key = setup.Folder.KeyIssuer.Issue("limited", KeyRole.Client, null, null).Key;
        Assert.Null(setup.Billing.RateLimits.Set(new RateLimits("key", key.Id, null, 1_000, null)));

        var failed = (await setup.Billing.Gate.ReserveAsync(key, BillingSetup.Model, 100, 5_000, "r-failed")).Reservation!;
        Assert.Null(await setup.Billing.Gate.SettleAsync(failed, CanonicalUsage.NotReported));

        var next = await setup.Billing.Gate.ReserveAsync(key, BillingSetup.Model, 100, 500, "r-next");
        Assert.NotNull(next.Reservation);

        // A request that was answered keeps what it used: 400 of its 600, leaving 600 of 1,000, so 1,000 more do not fit.
        Assert.Null(await setup.Billing.Gate.SettleAsync(next.Reservation!, new CanonicalUsage(100, 300, null, null, null, UsageSource.Reported)));
        var refused = await setup.Billing.Gate.ReserveAsync(key, BillingSetup.Model, 100, 900, "r-refused");
        Assert.Equal(BillingRefusalKind.RateLimited, refused.Refusal!.Kind);
        Assert.Equal(24, refused.Refusal.RetryAfterSeconds);   // 400 tokens missing at 1,000 per minute
    }
}
