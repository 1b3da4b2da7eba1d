using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Warden.Server.Billing;
using Warden.Server.Console.Customers;
using Warden.Server.Hosting;

namespace Warden.Server.Console.Pages;

/// <summary>
/// Customer accounts, operator side: invite a customer to a tenant (the one-time link shown once), choose which models
/// the tenant's customers may give their keys, disable an account (its sessions end). The same store and session calls
/// as the admin API's <c>/admin/accounts</c> and <c>warden accounts</c>.
/// </summary>
internal sealed class AccountsModel(DataFolder data, CustomerAccountStore accounts, CustomerSessions sessions, ILogger<AccountsModel> logger) : PageModel
{
    public IReadOnlyList<Tenant> Tenants { get; private set; } = [];

    public IReadOnlyDictionary<string, string> TenantNames { get; private set; } = new Dictionary<string, string>();

    public IReadOnlyList<CustomerAccount> Accounts { get; private set; } = [];

    public string? InvitationLink { get; private set; }

    public string? InvitedTenant { get; private set; }

    public DateTimeOffset? InvitationExpires { get; private set; }

    public string? Problem { get; private set; }

    public void OnGet() => Load();

    public IActionResult OnPostInvite(string? tenant)
    {
        Load();
        if (string.IsNullOrEmpty(tenant) || data.Billing.Tenants.Find(tenant) is not { } found)
        {
            Problem = "Accounts.NoTenant";
            return new PageResult { StatusCode = StatusCodes.Status400BadRequest };
        }

        var session = (ConsoleSession)HttpContext.Items[typeof(ConsoleSession)]!;
        var invitation = accounts.Invite(found.Id, session.Actor);
        Telemetry.Log.CustomerInvited(logger, found.Name, session.Actor, invitation.Id);
        InvitationLink = $"{Request.Scheme}://{Request.Host}{invitation.Link}";
        InvitedTenant = found.Name;
        InvitationExpires = invitation.ExpiresAt;
        return Page();
    }

    public IActionResult OnPostModels(string? tenant, string? models)
    {
        if (string.IsNullOrEmpty(tenant) || data.Billing.Tenants.Find(tenant) is not { } found)
        {
            Load();
            Problem = "Accounts.NoTenant";
            return new PageResult { StatusCode = StatusCodes.Status400BadRequest };
        }

        var list = ChannelsModel.Split(models);
        accounts.SetKeyModels(found.Id, list.Count == 0 ? null : list);
        return Redirect(ConsoleSetup.PathPrefix + "/accounts");
    }

    public IActionResult OnPostDisable(string? id)
    {
        if (id is not null && accounts.Disable(id))
        {
            int closed = sessions.CloseAll(id);
            Telemetry.Log.CustomerDisabled(logger, id, ((ConsoleSession)HttpContext.Items[typeof(ConsoleSession)]!).Actor, closed);
        }

        return Redirect(ConsoleSetup.PathPrefix + "/accounts");
    }

    private void Load()
    {
        Tenants = data.Billing.Tenants.List();
        TenantNames = Tenants.ToDictionary(t => t.Id, t => t.Name, StringComparer.Ordinal);
        Accounts = accounts.List();
    }
}
