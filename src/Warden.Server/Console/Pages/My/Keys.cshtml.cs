using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Warden.Server.Billing;
using Warden.Server.Console.Customers;
using Warden.Server.Hosting;
using Warden.Server.Keys;
using Warden.Server.Storage;

namespace Warden.Server.Console.Pages.My;

/// <summary>
/// A customer's keys: those of their tenant only. Creating one goes through the operator's path (the issuer, tenant
/// assignment, a key budget, the reload) within the limits the operator set: only models the tenant's customers may
/// use (<see cref="CustomerAccountStore.KeyModels"/>), and a monthly budget no higher than the tenant's own.
/// </summary>
internal sealed class CustomerKeysModel(DataFolder data, CustomerAccountStore accounts, ConfigReloader reloader) : CustomerPageModel
{
    public IReadOnlyList<ClientKey> Keys { get; private set; } = [];

    public IReadOnlyList<string>? AllowedModels { get; private set; }

    public string Currency { get; private set; } = "";

    public IssuedKey? Created { get; private set; }

    public string? Problem { get; private set; }

    public void OnGet() => Load();

    public IActionResult OnPostCreate(string? name, string? models, string? budget)
    {
        Load();
        var asked = ChannelsModel.Split(models);
        long? budgetMicros = null;
        var tenantLimit = data.Billing.Budgets.List()
            .Where(b => b.Scope == "tenant" && b.SubjectId == TenantId && b.Period == BudgetPeriod.Monthly)
            .Select(b => (long?)b.LimitMicros).FirstOrDefault();
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            Problem = "Keys.NameRequired";
        }
        else if (AllowedModels is not null && asked.Any(m => !AllowedModels.Contains(m, StringComparer.Ordinal)))
        {
            Problem = "My.Keys.ModelsProblem";
        }
        else if (!string.IsNullOrWhiteSpace(budget))
        {
            if (!Money.TryParse(budget.Trim(), out long micros) || micros <= 0)
            {
                Problem = "My.Keys.BudgetProblem";
            }
            else if (tenantLimit is { } limit && micros > limit)
            {
                Problem = "My.Keys.BudgetTooHigh";
            }
            else
            {
                budgetMicros = micros;
            }
        }
        else if (tenantLimit is { } limit)
        {
            // The tenant has a monthly budget: a key without its own would not be bound by less, so it gets the tenant's.
            budgetMicros = limit;
        }

        if (Problem is not null)
        {
            return new PageResult { StatusCode = StatusCodes.Status400BadRequest };
        }

        var issued = data.KeyIssuer.Issue(name!.Trim(), KeyRole.Client, asked.Count == 0 ? AllowedModels : asked, null);
        if (data.Billing.Tenants.AssignKey(issued.Key.Id, TenantId) is not null)
        {
            // The key must never exist outside the tenant: revoke it rather than leave an unbilled key behind.
            data.Keys.Revoke(issued.Key.Id);
            reloader.Reload();
            Problem = "My.Keys.Failed";
            return new PageResult { StatusCode = StatusCodes.Status500InternalServerError };
        }

        if (budgetMicros is { } b)
        {
            data.Billing.Budgets.Set("key", issued.Key.Id, BudgetPeriod.Monthly, b);
        }

        reloader.Reload();
        Created = issued;
        Load();
        return Page();
    }

    public IActionResult OnPostRevoke(string? id)
    {
        // Only a key of this customer's tenant: another tenant's key id gets the same answer as an unknown one.
        if (id is null || !Load().Any(k => k.Id == id))
        {
            return NotFound();
        }

        if (data.Keys.Revoke(id))
        {
            reloader.Reload();
        }

        return Redirect(ConsoleSetup.PathPrefix + "/my/keys");
    }

    private IReadOnlyList<ClientKey> Load()
    {
        var tenant = data.Billing.Tenants.Find(TenantId);
        Currency = tenant?.Currency ?? "";
        AllowedModels = accounts.KeyModels(TenantId);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        using (var connection = data.Database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT key_id FROM key_tenants WHERE tenant_id = @t";
            command.Parameters.AddWithValue("@t", TenantId);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }
        }

        Keys = data.Keys.List().Where(k => k.Role == KeyRole.Client && ids.Contains(k.Id)).OrderByDescending(k => k.CreatedAt).ToList();
        return Keys;
    }
}
