using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Warden.Server.Console.Customers;
using Warden.Server.Hosting;

namespace Warden.Server.Console.Pages.My;

/// <summary>
/// Accepting an invitation: the link's token (one use, expiring) lets the invitee choose a name and password; the
/// account is created and signed in. A used, expired or unknown token shows one message and no form.
/// </summary>
[CustomerPage]
[ConsoleAnonymous]
internal sealed class InvitationModel(CustomerAccountStore accounts, CustomerSessions sessions, DataFolder data) : PageModel
{
    public string? Problem { get; private set; }

    public bool Valid { get; private set; }

    public string? Token { get; private set; }

    public string? TenantName { get; private set; }

    public string? Name { get; private set; }

    public IActionResult OnGet(string? token)
    {
        Load(token);
        if (!Valid)
        {
            Problem = "My.Invitation.Invalid";
            return new PageResult { StatusCode = StatusCodes.Status404NotFound };
        }

        return Page();
    }

    public IActionResult OnPost([FromForm(Name = "Token")] string? token, [FromForm(Name = "Name")] string? name, [FromForm(Name = "Password")] string? password)
    {
        var (account, problem) = accounts.Accept(token, name, password);
        if (account is null)
        {
            Load(token);
            Name = name;
            Problem = problem;
            return new PageResult { StatusCode = Valid ? StatusCodes.Status400BadRequest : StatusCodes.Status404NotFound };
        }

        if (sessions.Find(HttpContext) is { } previous)
        {
            sessions.Close(previous.Id);
        }

        CustomerSessions.WriteCookie(HttpContext, sessions.Open(account));
        return Redirect(ConsoleSetup.PathPrefix + "/my");
    }

    private void Load(string? token)
    {
        if (accounts.OpenInvitationTenant(token) is { } tenantId)
        {
            Valid = true;
            Token = token;
            TenantName = data.Billing.Tenants.Find(tenantId)?.Name;
        }
    }
}
