using System.CommandLine;
using Warden.Server.Billing;

namespace Warden.Server.Cli;

/// <summary><c>warden tenants add|list|assign</c>: tenants, their balances and which keys they own.</summary>
internal static class TenantsCommand
{
    public static Command Build()
    {
        var data = CommonOptions.Data();

        var name = new Option<string>("--name") { Description = "A unique name for the tenant.", Required = true };
        var currency = new Option<string>("--currency") { Description = "The currency of its credit account (default USD).", DefaultValueFactory = _ => Currencies.Default };
        var multiplier = new Option<long>("--multiplier-ppm") { Description = "Price multiplier in parts per million (default 1000000 = list price).", DefaultValueFactory = _ => 1_000_000 };
        var add = new Command("add", "Add a tenant with an empty credit account.") { name, currency, multiplier, data };
        add.SetAction(parse =>
        {
            var (tenant, problem) = CommonOptions.OpenData(parse, data).Billing.Tenants.Add(parse.GetValue(name)!, parse.GetValue(currency)!, parse.GetValue(multiplier));
            if (tenant is null)
            {
                return BillingCliText.Fail(parse, problem!);
            }

            CommonOptions.Out(parse).WriteLine($"Tenant id: {tenant.Id}");
            return 0;
        });

        var list = new Command("list", "List tenants with their balances.") { data };
        list.SetAction(parse =>
        {
            var billing = CommonOptions.OpenData(parse, data).Billing;
            var rows = billing.Tenants.List().Select(t => new[]
            {
                t.Id, t.Name, t.Currency, BillingCliText.Num(t.MultiplierPpm), Money.Format(billing.Ledger.Balance(t.AccountId) ?? 0),
            });
            TextTable.Write(CommonOptions.Out(parse), ["ID", "NAME", "CURRENCY", "MULTIPLIER_PPM", "BALANCE"], rows);
            return 0;
        });

        var key = new Option<string>("--key") { Description = "The client key id (from 'warden keys list').", Required = true };
        var tenantOption = new Option<string>("--tenant") { Description = "The tenant id or name.", Required = true };
        var assign = new Command("assign", "Give a key to a tenant: its requests are then billed to the tenant.") { key, tenantOption, data };
        assign.SetAction(parse =>
        {
            string? problem = CommonOptions.OpenData(parse, data).Billing.Tenants.AssignKey(parse.GetValue(key)!, parse.GetValue(tenantOption)!);
            if (problem is not null)
            {
                return BillingCliText.Fail(parse, problem);
            }

            CommonOptions.Out(parse).WriteLine("Assigned.");
            return 0;
        });

        return new Command("tenants", "Manage tenants (billing customers) and their keys.") { add, list, assign };
    }
}
