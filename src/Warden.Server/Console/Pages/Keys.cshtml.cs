using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Warden.Server.Billing;
using Warden.Server.Hosting;
using Warden.Server.Keys;

namespace Warden.Server.Console.Pages;

/// <summary>
/// Client keys: list (hint only), create (the secret is shown once, in the answer to the post, never stored or shown
/// again), revoke. Through the issuer, store and tenant assignment the admin API uses, then the same immediate reload.
/// </summary>
internal sealed class KeysModel(DataFolder data, ConfigReloader reloader, TimeProvider time) : PageModel
{
    /// <summary>About a hundred years: past it, the expiry date would not be representable (a 500, not the caller's 400).</summary>
    public const int MaxExpiryDays = 36_500;

    public IReadOnlyList<ClientKey> Keys { get; private set; } = [];

    public IReadOnlyList<Tenant> Tenants { get; private set; } = [];

    public IReadOnlyDictionary<string, string> TenantOfKey { get; private set; } = new Dictionary<string, string>();

    public IssuedKey? Created { get; private set; }

    public string? Problem { get; private set; }

    public string? ProblemDetail { get; private set; }

    public DateTimeOffset Now => time.GetUtcNow();

    public void OnGet() => Load();

    public IActionResult OnPostCreate(string? name, string? models, int? expiresInDays, string? tenant)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            Problem = "Keys.NameRequired";
        }
        else if (expiresInDays is < 1 or > MaxExpiryDays)
        {
            Problem = "Keys.ExpiryProblem";
        }

        if (Problem is not null)
        {
            Load();
            return new PageResult { StatusCode = StatusCodes.Status400BadRequest };
        }

        var allowed = ChannelsModel.Split(models);
        var issued = data.KeyIssuer.Issue(name!.Trim(), KeyRole.Client, allowed.Count == 0 ? null : allowed,
            expiresInDays is { } days ? time.GetUtcNow().AddDays(days) : null);
        if (!string.IsNullOrEmpty(tenant) && data.Billing.Tenants.AssignKey(issued.Key.Id, tenant) is { } problem)
        {
            Problem = "Keys.TenantProblem";
            ProblemDetail = problem;
        }

        reloader.Reload();
        Created = issued;
        Load();
        return Page();
    }

    public IActionResult OnPostRevoke(string id)
    {
        if (data.Keys.Revoke(id))
        {
            reloader.Reload();
        }

        return RedirectToPage();
    }

    private void Load()
    {
        Keys = data.Keys.List().OrderByDescending(k => k.CreatedAt).ToList();
        Tenants = data.Billing.Tenants.List();
        var names = Tenants.ToDictionary(t => t.Id, t => t.Name, StringComparer.Ordinal);
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var connection = data.Database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT key_id, tenant_id FROM key_tenants";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                owners[reader.GetString(0)] = names.GetValueOrDefault(reader.GetString(1)) ?? reader.GetString(1);
            }
        }

        TenantOfKey = owners;
    }
}
