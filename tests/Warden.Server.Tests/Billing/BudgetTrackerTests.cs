using Warden.Core.Chat;
using Warden.Server.Billing;
using Warden.Server.Tests.Simulator;
using CanonicalUsage = Warden.Core.Chat.Usage;

namespace Warden.Server.Tests.Billing;

/// <summary>Budgets per tenant and key over daily, monthly and total windows taken from an injected clock.</summary>
public sealed class BudgetTrackerTests
{
    [Theory]
    [InlineData("2030-03-15T17:45:00Z", "daily", "2030-03-15T00:00:00Z")]
    [InlineData("2030-03-15T17:45:00Z", "monthly", "2030-03-01T00:00:00Z")]
    [InlineData("2030-03-01T00:00:00Z", "daily", "2030-03-01T00:00:00Z")]
    [InlineData("2030-03-15T01:00:00+05:00", "daily", "2030-03-14T00:00:00Z")]
    public void Windows_AreUtcCalendarDaysAndMonths(string now, string period, string start) =>
        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture),
            BudgetTracker.WindowStart(Budget.ParsePeriod(period)!.Value, DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void TotalBudget_HasNoWindow() => Assert.Null(BudgetTracker.WindowStart(BudgetPeriod.Total, DateTimeOffset.UnixEpoch));

    [Fact]
    public void DailyBudget_CountsSettledAndHeld_AndResetsTheNextDay()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2030, 1, 1, 22, 0, 0, TimeSpan.Zero));
        using var setup = new BillingSetup(clock);
        var ledger = setup.Billing.Ledger;
        ledger.TopUp(setup.Tenant, null, 10_000_000, "admin:test");
        Assert.Null(setup.Billing.Budgets.Set("tenant", setup.Tenant.Id, BudgetPeriod.Daily, 1_000));

        Assert.True(ledger.Reserve(LedgerTests.Hold(setup, "a", 600)).Succeeded);
        var refused = ledger.Reserve(LedgerTests.Hold(setup, "b", 500));   // 600 held + 500 > 1_000
        Assert.Equal(ReserveStatus.BudgetExceeded, refused.Status);
        Assert.Contains("daily budget", refused.Message, StringComparison.Ordinal);

        ledger.Settle("a", LedgerTests.Cost(setup, 300), new CanonicalUsage(1, 1, null, null, null, UsageSource.Reported));
        Assert.True(ledger.Reserve(LedgerTests.Hold(setup, "b", 500)).Succeeded);   // 300 spent + 500 held
        Assert.Equal(ReserveStatus.BudgetExceeded, ledger.Reserve(LedgerTests.Hold(setup, "c", 201)).Status);
        ledger.Settle("b", LedgerTests.Cost(setup, 500), new CanonicalUsage(1, 1, null, null, null, UsageSource.Reported));

        clock.Advance(TimeSpan.FromHours(2));   // next UTC day: the 800 spent yesterday no longer counts
        Assert.True(ledger.Reserve(LedgerTests.Hold(setup, "c", 1_000)).Succeeded);
        Assert.Empty(setup.Billing.Check.Run());
    }

    [Fact]
    public void KeyBudget_LimitsOnlyThatKey()
    {
        using var setup = new BillingSetup();
        var ledger = setup.Billing.Ledger;
        ledger.TopUp(setup.Tenant, null, 10_000_000, "admin:test");
        setup.Billing.Budgets.Set("key", setup.Key.Id, BudgetPeriod.Total, 100);

        Assert.Equal(ReserveStatus.BudgetExceeded, ledger.Reserve(LedgerTests.Hold(setup, "k", 101)).Status);
        Assert.True(ledger.Reserve(LedgerTests.Hold(setup, "other", 101) with { KeyId = "another-key" }).Succeeded);
    }
}
