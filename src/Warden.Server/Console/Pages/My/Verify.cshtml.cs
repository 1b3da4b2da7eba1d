using Microsoft.AspNetCore.Mvc;
using Warden.Server.Console.Customers;

namespace Warden.Server.Console.Pages.My;

/// <summary>
/// The one console page with a script: the verifier (Customers/verify.js), which fetches public data and checks one of
/// the customer's receipts in the browser. Its policy allows that one script file and fetches to this origin only
/// (<see cref="CustomerSetup.VerifyContentSecurityPolicy"/>); every other console page keeps <c>script-src 'none'</c>.
/// </summary>
internal sealed class CustomerVerifyModel(CustomerReceipts receipts) : CustomerPageModel
{
    public string RequestId { get; private set; } = "";

    public IActionResult OnGet(string? id)
    {
        if (string.IsNullOrEmpty(id) || receipts.FindJws(TenantId, id) is null)
        {
            return NotFound();
        }

        RequestId = id;
        Response.Headers.ContentSecurityPolicy = CustomerSetup.VerifyContentSecurityPolicy;
        return Page();
    }

    /// <summary>The receipt itself (compact JWS), for the script: only the customer's tenant's, 404 for any other.</summary>
    public IActionResult OnGetJws(string? id) =>
        id is not null && receipts.FindJws(TenantId, id) is { } jws ? Content(jws, "text/plain; charset=utf-8") : NotFound();
}
