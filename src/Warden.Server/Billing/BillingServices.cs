using Warden.Server.Keys;
using Warden.Server.Storage;

namespace Warden.Server.Billing;

/// <summary>Every billing component of a data folder, built once over its database, pepper and clock, sharing one <see cref="BillingCatalog"/>.</summary>
internal sealed class BillingServices
{
    public BillingServices(WardenDatabase database, KeyHasher hasher, TimeProvider time)
    {
        Catalog = new BillingCatalog(database);
        Tenants = new TenantStore(database, Catalog, time);
        Prices = new PriceTable(database, Catalog, time);
        Budgets = new BudgetTracker(database, time);
        Ledger = new Ledger(database, Budgets, Catalog, time);
        Check = new LedgerCheck(database);
        Codes = new RedemptionCodes(database, hasher, time);
        RateLimits = new RateLimitStore(database, Catalog);
        RateLimiter = new RateLimiter(time);
        Reports = new UsageReport(database);
        Gate = new BillingGate(Catalog, Ledger, RateLimiter, time);
        UnitPrices = new UnitPriceTable(database, Catalog, time);
        OperationUsage = new OperationUsageStore(database);
    }

    /// <summary>The in-memory snapshot the request path reads; the stores above reload it after each change they commit.</summary>
    public BillingCatalog Catalog { get; }

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

    /// <summary>Prices per image, audio second, character or search unit (issue 22).</summary>
    public UnitPriceTable UnitPrices { get; }

    /// <summary>Usage recorded in those units.</summary>
    public OperationUsageStore OperationUsage { get; }
}
