using System.Net;
using System.Text.Json;
using Warden.Server.Console;
using Warden.Server.Console.Customers;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Console.Customers;

/// <summary>
/// The customer side over plain HTTP against a real Warden: an invitation from the admin API accepted through the form,
/// tenant isolation (another tenant's receipts and keys, operator pages and admin actions are out of reach), keys within
/// the operator's limits, disabling ending sessions, and the verify page being the only one whose policy allows a script.
/// </summary>
public sealed class CustomerConsoleTests
{
    [Fact]
    public async Task AdminInvitation_AcceptedThroughTheForm_SignsInToOwnTenant()
    {
        await using var server = await WardenTestServer.StartAsync();
        var tenant = server.App.Data.Billing.Tenants.Add("acme", "USD").Tenant!;

        using var invite = new HttpRequestMessage(HttpMethod.Post, "admin/accounts/invitations")
        {
            Content = new StringContent("""{"tenant":"acme"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        invite.Headers.Authorization = new("Bearer", server.AdminKey);
        using var answer = await server.Http.SendAsync(invite);
        Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
        using var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        string link = json.RootElement.GetProperty("link").GetString()!;
        Assert.StartsWith("/console/my/invitation?token=", link, StringComparison.Ordinal);

        using var http = new ConsoleHttp(server.Url);
        string form = await http.PageAsync(link.TrimStart('/'));
        Assert.Contains("acme", form, StringComparison.Ordinal);
        using var accepted = await http.PostAsync("console/my/invitation", form,
            ("Token", link[(link.IndexOf('=') + 1)..]), ("Name", "alice"), ("Password", CustomerWorld.Password));
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);

        string overview = await http.PageAsync("console/my");
        Assert.Contains("acme", overview, StringComparison.Ordinal);
        Assert.Contains("svg class=\"chart\"", overview, StringComparison.Ordinal);

        // The link worked once.
        using var again = await http.GetAsync(link.TrimStart('/'));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(tenant.Id, Assert.Single(server.App.Services.GetRequiredService<CustomerAccountStore>().List()).TenantId);
    }

    [Fact]
    public async Task Customer_CannotReachAnotherTenantsReceipts_OperatorPages_OrAdminActions()
    {
        await using var server = await WardenTestServer.StartAsync();
        var mine = await CustomerWorld.CreateAsync(server, "acme", "alice");
        var theirs = await CustomerWorld.CreateAsync(server, "globex", "bob");
        using var http = new ConsoleHttp(server.Url);
        await mine.SignInAsync(http);

        string receipts = await http.PageAsync("console/my/receipts");
        Assert.Contains(mine.RequestId, receipts, StringComparison.Ordinal);
        Assert.DoesNotContain(theirs.RequestId, receipts, StringComparison.Ordinal);

        using (var own = await http.GetAsync("console/my/verify?handler=Jws&id=" + mine.RequestId))
        {
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        }

        foreach (string path in (string[])["console/my/verify?id=" + theirs.RequestId, "console/my/verify?handler=Jws&id=" + theirs.RequestId])
        {
            using var other = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        }

        // Another tenant's key cannot be revoked from here, and stays active.
        string keys = await http.PageAsync("console/my/keys");
        Assert.DoesNotContain(theirs.Key.Key.Id, keys, StringComparison.Ordinal);
        using (var revoke = await http.PostAsync("console/my/keys?handler=Revoke&id=" + theirs.Key.Key.Id, keys))
        {
            Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
        }

        Assert.Null(server.App.Data.Keys.List().Single(k => k.Id == theirs.Key.Key.Id).RevokedAt);

        // Operator pages and the operators' own actions send a customer to the operator sign-in.
        foreach (string path in (string[])["console", "console/keys", "console/accounts", "console/usage?handler=Csv"])
        {
            using var page = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.Equal("/console/login", page.Headers.Location?.OriginalString);
        }

        using (var disable = await http.PostAsync("console/accounts?handler=Disable&id=" + theirs.Account.Id, keys))
        {
            Assert.Equal(HttpStatusCode.Redirect, disable.StatusCode);
            Assert.Equal("/console/login", disable.Headers.Location?.OriginalString);
        }

        Assert.True(server.App.Services.GetRequiredService<CustomerAccountStore>().Find(theirs.Account.Id)!.Active);
    }

    [Fact]
    public async Task OperatorSession_DoesNotOpenCustomerPages()
    {
        await using var server = await WardenTestServer.StartAsync();
        using var http = new ConsoleHttp(server.Url);
        using (var signIn = await http.SignInAsync(server.AdminKey))
        {
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        }

        using var page = await http.GetAsync("console/my/receipts");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal(CustomerAuthFilter.LoginPath, page.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task CustomerKey_OnlyWithinTheOperatorsModelsAndBudget()
    {
        await using var server = await WardenTestServer.StartAsync();
        var world = await CustomerWorld.CreateAsync(server, "acme", "alice");
        var store = server.App.Services.GetRequiredService<CustomerAccountStore>();
        store.SetKeyModels(world.Tenant.Id, ["sim-small"]);
        Assert.Null(server.App.Data.Billing.Budgets.Set("tenant", world.Tenant.Id, Warden.Server.Billing.BudgetPeriod.Monthly, 5_000_000));
        using var http = new ConsoleHttp(server.Url);
        await world.SignInAsync(http);

        string page = await http.PageAsync("console/my/keys");
        using (var other = await http.PostAsync("console/my/keys?handler=Create", page, ("name", "k"), ("models", "sim-large")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
        }

        using (var tooMuch = await http.PostAsync("console/my/keys?handler=Create", page, ("name", "k"), ("models", "sim-small"), ("budget", "6")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooMuch.StatusCode);
        }

        Assert.DoesNotContain(server.App.Data.Keys.List(), k => k.Name == "k");
        using var created = await http.PostAsync("console/my/keys?handler=Create", page, ("name", "k"), ("models", "sim-small"), ("budget", "2.5"));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var key = server.App.Data.Keys.List().Single(k => k.Name == "k");
        Assert.Equal(["sim-small"], key.AllowedModels);
        Assert.Equal(world.Tenant.Id, server.App.Data.Billing.Tenants.OfKey(key.Id)?.Id);
        Assert.Contains(server.App.Data.Billing.Budgets.List(), b => b.Scope == "key" && b.SubjectId == key.Id && b.LimitMicros == 2_500_000);

        // No models named: the key gets the ones the operator allows, not every model; no budget named: the tenant's.
        using var defaulted = await http.PostAsync("console/my/keys?handler=Create", page, ("name", "k2"));
        Assert.Equal(HttpStatusCode.OK, defaulted.StatusCode);
        var second = server.App.Data.Keys.List().Single(k => k.Name == "k2");
        Assert.Equal(["sim-small"], second.AllowedModels);
        Assert.Contains(server.App.Data.Billing.Budgets.List(), b => b.Scope == "key" && b.SubjectId == second.Id && b.LimitMicros == 5_000_000);
    }

    [Fact]
    public async Task DisablingAnAccount_EndsItsSession()
    {
        await using var server = await WardenTestServer.StartAsync();
        var world = await CustomerWorld.CreateAsync(server, "acme", "alice");
        using var http = new ConsoleHttp(server.Url);
        await world.SignInAsync(http);
        Assert.NotNull(await http.PageAsync("console/my"));

        using var disable = new HttpRequestMessage(HttpMethod.Post, $"admin/accounts/{world.Account.Id}/disable");
        disable.Headers.Authorization = new("Bearer", server.AdminKey);
        using (var answer = await server.Http.SendAsync(disable))
        {
            Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        }

        using var page = await http.GetAsync("console/my");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal(CustomerAuthFilter.LoginPath, page.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task OnlyTheVerifyPage_AllowsItsOwnScript()
    {
        await using var server = await WardenTestServer.StartAsync();
        var world = await CustomerWorld.CreateAsync(server, "acme", "alice");
        using var http = new ConsoleHttp(server.Url);
        await world.SignInAsync(http);

        foreach (string path in (string[])["console/my", "console/my/keys", "console/my/receipts", "console/my/redeem", "console/my/security", "console/my/login"])
        {
            using var page = await http.GetAsync(path);
            Assert.Equal(ConsoleSetup.ContentSecurityPolicy, Assert.Single(page.Headers.GetValues("Content-Security-Policy")));
            Assert.DoesNotContain("<script", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }

        using var verify = await http.GetAsync("console/my/verify?id=" + world.RequestId);
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        string csp = Assert.Single(verify.Headers.GetValues("Content-Security-Policy"));
        Assert.Equal(CustomerSetup.VerifyContentSecurityPolicy, csp);
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);
        string html = await verify.Content.ReadAsStringAsync();
        var scripts = System.Text.RegularExpressions.Regex.Matches(html, "<script[^>]*>");
        Assert.Equal($"<script src=\"{CustomerSetup.ScriptPath}\" defer>", Assert.Single(scripts).Value);
    }

    [Fact]
    public async Task CustomerSignIn_IsThrottledPerName()
    {
        await using var server = await WardenTestServer.StartAsync();
        var world = await CustomerWorld.CreateAsync(server, "acme", "alice");
        using var http = new ConsoleHttp(server.Url);
        string page = await http.PageAsync("console/my/login");
        for (int i = 0; i < LoginThrottle.MaxFailuresPerAddress; i++)
        {
            using var wrong = await http.PostAsync("console/my/login", page, ("Name", "alice"), ("Password", "not the password at all"));
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var right = await http.PostAsync("console/my/login", page, ("Name", "alice"), ("Password", CustomerWorld.Password));
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.NotNull(right.Headers.RetryAfter);
    }
}
