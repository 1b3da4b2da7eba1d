using Warden.Server.Keys;
using Warden.Server.Storage;

namespace Warden.Server.Billing;

/// <summary>Every billing component of a data folder, built once over its database, pepper and clock.</summary>
internal sealed class BillingServices
{
    public BillingServices(WardenDatabase database, KeyHasher hasher, TimeProvider time)
    {
        Tenants = new TenantStore(database, time);
        Prices = new PriceTable(database, time);
        Budgets = new BudgetTracker(database, time);
        Ledger = new Ledger(database, Budgets, time);
        Check = new LedgerCheck(database);
        Codes = new RedemptionCodes(database, hasher, time);
        RateLimits = new RateLimitStore(database);
        RateLimiter = new RateLimiter(time);
        Reports = new UsageReport(database);
        Gate = new BillingGate(Tenants, Prices, Ledger, RateLimits, RateLimiter);
    }

    public TenantStore Tenants { get; }

    public PriceTable Prices { get; }

    public BudgetTracker Budgets { get; }

    public Ledger Ledger { get; }

    public LedgerCheck Check { get; }

    public RedemptionCodes Codes { get; }

    public RateLimitStore RateLimits { get; }

    public RateLimiter RateLimiter { get; }

    public UsageReport Reports { get; }

    public BillingGate Gate { get; }
}
