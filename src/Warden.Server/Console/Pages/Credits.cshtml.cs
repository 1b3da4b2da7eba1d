using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Warden.Server.Billing;
using Warden.Server.Hosting;
using Warden.Server.Payments;
using Warden.Server.Trust;

namespace Warden.Server.Console.Pages;

/// <summary>
/// Credits (operator): tenant balances, top-up and adjustment, a payment link for a tenant, redemption code batches
/// (the codes go out once, as the CSV answering the form, and are never stored or shown again) and the ledger check.
/// Through the same ledger, code and payment calls as the admin API.
/// </summary>
internal sealed class CreditsModel(DataFolder data, PaymentService payments) : PageModel
{
    public IReadOnlyList<(Tenant Tenant, long Balance)> Tenants { get; private set; } = [];

    public IReadOnlyList<PaymentOrder> Orders { get; private set; } = [];

    public IReadOnlyList<string> Providers => payments.Providers.Select(p => p.Name).ToList();

    public string? Done { get; private set; }

    public string? Problem { get; private set; }

    public string? ProblemDetail { get; private set; }

    public string? CheckoutUrl { get; private set; }

    public IReadOnlyList<string>? LedgerProblems { get; private set; }

    public void OnGet() => Load();

    public IActionResult OnPostTopUp(string? tenant, string? amount) => Move(tenant, amount, adjust: false);

    public IActionResult OnPostAdjust(string? tenant, string? amount) => Move(tenant, amount, adjust: true);

    public async Task<IActionResult> OnPostPaymentAsync(string? tenant, string? provider, string? amount)
    {
        if (!Money.TryParse(amount, out long micros))
        {
            return Refused("Credits.AmountProblem", amount);
        }

        var (_, checkout, problem) = await payments.CreateAsync(tenant ?? "", provider ?? "", micros, ConfigActor.Current ?? "console", HttpContext.RequestAborted);
        if (problem is not null)
        {
            return Refused("Credits.PaymentProblem", problem);
        }

        CheckoutUrl = checkout!.Url;
        Done = "Credits.PaymentCreated";
        Load();
        return Page();
    }

    public IActionResult OnPostCodes(int? count, string? amount, string? currency)
    {
        if (!Money.TryParse(amount, out long micros))
        {
            return Refused("Credits.AmountProblem", amount);
        }

        var (batch, codes, problem) = data.Billing.Codes.CreateBatch(count ?? 0, micros, string.IsNullOrWhiteSpace(currency) ? Currencies.Default : currency.Trim());
        if (batch is null)
        {
            return Refused("Credits.CodesProblem", problem);
        }

        // The only copy of the codes: the answer to this form, as a download. Nothing is kept to show them again.
        var csv = new StringBuilder("batch,code,amount\r\n");
        foreach (string code in codes)
        {
            csv.Append(batch).Append(',').Append(code).Append(',').Append(Money.Format(micros)).Append("\r\n");
        }

        return File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", $"codes-{batch}.csv");
    }

    public IActionResult OnPostCheck()
    {
        LedgerProblems = data.Billing.Check.Run();
        Load();
        return Page();
    }

    private PageResult Move(string? tenantName, string? amount, bool adjust)
    {
        if (data.Billing.Tenants.Find(tenantName ?? "") is not { } tenant)
        {
            return Refused("Credits.NoTenant", tenantName);
        }

        if (!Money.TryParse(amount, out long micros))
        {
            return Refused("Credits.AmountProblem", amount);
        }

        var (_, problem) = adjust
            ? data.Billing.Ledger.AdminAdjust(tenant.AccountId, micros, "console:adjust")
            : data.Billing.Ledger.TopUp(tenant, null, micros, "console:topup");
        if (problem is not null)
        {
            return Refused("Credits.MoveProblem", problem);
        }

        Done = adjust ? "Credits.Adjusted" : "Credits.ToppedUp";
        Load();
        return new PageResult();
    }

    private PageResult Refused(string problem, string? detail)
    {
        Problem = problem;
        ProblemDetail = detail;
        Load();
        return new PageResult { StatusCode = StatusCodes.Status400BadRequest };
    }

    private void Load()
    {
        Tenants = data.Billing.Tenants.List().Select(t => (t, data.Billing.Ledger.Balance(t.AccountId) ?? 0)).ToList();
        Orders = payments.Orders.List(null, 50);
    }
}
