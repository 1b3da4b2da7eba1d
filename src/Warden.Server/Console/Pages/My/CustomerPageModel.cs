using Microsoft.AspNetCore.Mvc.RazorPages;
using Warden.Server.Console.Customers;

namespace Warden.Server.Console.Pages.My;

/// <summary>A customer page: its handlers read the signed-in customer (set by <see cref="CustomerAuthFilter"/>).</summary>
[CustomerPage]
internal abstract class CustomerPageModel : PageModel
{
    /// <summary>The customer's session; every customer page but sign-in and invitation runs only with one.</summary>
    public CustomerSession Session => HttpContext.Items[typeof(CustomerSession)] as CustomerSession
        ?? throw new InvalidOperationException("A customer page ran without a customer session.");

    public string TenantId => Session.TenantId;
}
