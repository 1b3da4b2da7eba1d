using Warden.Server.Billing;
using Warden.Server.Hosting;

namespace Warden.Server.Console.Pages.My;

/// <summary>The customer's overview: their tenant's balance, and the operator dashboard's figures and chart over their tenant's requests only.</summary>
internal sealed class CustomerIndexModel(DataFolder data, TimeProvider time) : CustomerPageModel
{
    public DashboardReport Report { get; private set; } = null!;

    public Tenant Tenant { get; private set; } = null!;

    public long Balance { get; private set; }

    public void OnGet(string? period)
    {
        var chosen = Enum.TryParse<DashboardPeriod>(period, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed : DashboardPeriod.Day;
        Tenant = data.Billing.Tenants.Find(TenantId) ?? throw new InvalidOperationException("A customer's tenant is gone.");
        Balance = data.Billing.Ledger.Balance(Tenant.AccountId) ?? 0;
        Report = Dashboard.Build(data.Database, chosen, time.GetUtcNow(), TenantId);
    }
}
