using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Warden.Server.Billing;
using Warden.Server.Hosting;

namespace Warden.Server.Console.Pages.My;

/// <summary>Redeeming a code into the customer's tenant, through the same <see cref="RedemptionCodes.Redeem"/> as the admin API and CLI.</summary>
internal sealed class CustomerRedeemModel(DataFolder data) : CustomerPageModel
{
    public long Balance { get; private set; }

    public string Currency { get; private set; } = "";

    public long? Credited { get; private set; }

    public string? Problem { get; private set; }

    public void OnGet() => Load();

    public IActionResult OnPost(string? code)
    {
        var tenant = Load();
        var result = data.Billing.Codes.Redeem(code?.Trim() ?? "", tenant);
        if (!result.Redeemed)
        {
            // The store's message is English and deliberately vague; the page says the same in the customer's language.
            Problem = ReferenceEquals(result, RedemptionResult.AlreadyRedeemed) ? "My.Redeem.Used" : "My.Redeem.Invalid";
            return new PageResult { StatusCode = StatusCodes.Status400BadRequest };
        }

        Credited = result.AmountMicros;
        Load();
        return Page();
    }

    private Tenant Load()
    {
        var tenant = data.Billing.Tenants.Find(TenantId) ?? throw new InvalidOperationException("A customer's tenant is gone.");
        Currency = tenant.Currency;
        Balance = data.Billing.Ledger.Balance(tenant.AccountId) ?? 0;
        return tenant;
    }
}
