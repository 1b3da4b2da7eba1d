using System.CommandLine;
using Warden.Server.Console.Customers;

namespace Warden.Server.Cli;

/// <summary>
/// <c>warden accounts invite|list|disable|models</c>: customer accounts of the console's customer side, the same store as
/// the console's accounts page and <c>/admin/accounts</c>. A running server ends a disabled account's sessions at its
/// next request (sessions check the account on every request).
/// </summary>
internal static class AccountsCommand
{
    public static Command Build()
    {
        var data = CommonOptions.Data();

        var tenant = new Option<string>("--tenant") { Description = "The tenant id or name the customer joins.", Required = true };
        var url = new Option<string?>("--url") { Description = "The server's public base URL, to print a whole link (e.g. https://relay.example.com)." };
        var invite = new Command("invite", "Create a one-time invitation link (7 days) for one customer account in a tenant; hand it over yourself.") { tenant, url, data };
        invite.SetAction(parse =>
        {
            var folder = CommonOptions.OpenData(parse, data);
            if (folder.Billing.Tenants.Find(parse.GetValue(tenant)!) is not { } found)
            {
                return BillingCliText.Fail(parse, $"No tenant with id or name '{parse.GetValue(tenant)}'.");
            }

            var invitation = Store(folder).Invite(found.Id, "cli");
            string link = (parse.GetValue(url)?.TrimEnd('/') ?? "") + invitation.Link;
            var output = CommonOptions.Out(parse);
            output.WriteLine($"Invitation link (shown once, valid until {invitation.ExpiresAt:u}):");
            output.WriteLine(link);
            return 0;
        });

        var list = new Command("list", "List customer accounts.") { data };
        list.SetAction(parse =>
        {
            var rows = Store(CommonOptions.OpenData(parse, data)).List().Select(a => new[]
            {
                a.Id, a.Name, a.TenantId, a.TotpEnabled ? "on" : "off", a.DisabledAt is { } d ? "disabled " + d.ToString("u", System.Globalization.CultureInfo.InvariantCulture) : "active",
            });
            TextTable.Write(CommonOptions.Out(parse), ["ID", "NAME", "TENANT", "TOTP", "STATUS"], rows);
            return 0;
        });

        var id = new Option<string>("--id") { Description = "The account id (from 'warden accounts list').", Required = true };
        var disable = new Command("disable", "Disable a customer account; it cannot sign in and its sessions end.") { id, data };
        disable.SetAction(parse =>
        {
            if (!Store(CommonOptions.OpenData(parse, data)).Disable(parse.GetValue(id)!))
            {
                return BillingCliText.Fail(parse, $"No active customer account with id '{parse.GetValue(id)}'.");
            }

            CommonOptions.Out(parse).WriteLine("Disabled.");
            return 0;
        });

        var modelsTenant = new Option<string>("--tenant") { Description = "The tenant id or name.", Required = true };
        var models = new Option<string?>("--models") { Description = "Comma-separated models its customers may give their keys; omit for every model." };
        var setModels = new Command("models", "Set which models a tenant's customers may give the keys they create.") { modelsTenant, models, data };
        setModels.SetAction(parse =>
        {
            var folder = CommonOptions.OpenData(parse, data);
            if (folder.Billing.Tenants.Find(parse.GetValue(modelsTenant)!) is not { } found)
            {
                return BillingCliText.Fail(parse, $"No tenant with id or name '{parse.GetValue(modelsTenant)}'.");
            }

            var list = CommonOptions.SplitList(parse.GetValue(models));
            Store(folder).SetKeyModels(found.Id, list.Count == 0 ? null : list);
            CommonOptions.Out(parse).WriteLine("Saved.");
            return 0;
        });

        return new Command("accounts", "Manage customer accounts of the web console.") { invite, list, disable, setModels };
    }

    private static CustomerAccountStore Store(Hosting.DataFolder folder) => new(folder.Database, folder.Ring, folder.Time);
}
