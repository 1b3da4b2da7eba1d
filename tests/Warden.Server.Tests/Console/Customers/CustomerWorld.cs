using System.Net;
using Warden.Server.Billing;
using Warden.Server.Console.Customers;
using Warden.Server.Keys;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Console.Customers;

/// <summary>
/// A tenant with credit, a key of its own that has made one request (so it has a receipt in the log), and a customer
/// account in it, created through the store the console and admin API use.
/// </summary>
internal sealed record CustomerWorld(Tenant Tenant, IssuedKey Key, string RequestId, CustomerAccount Account)
{
    public const string Password = "correct horse battery staple";

    public static async Task<CustomerWorld> CreateAsync(WardenTestServer server, string tenantName, string accountName)
    {
        var data = server.App.Data;
        var tenant = data.Billing.Tenants.Add(tenantName, "USD").Tenant!;
        var key = data.KeyIssuer.Issue(tenantName + "-key", KeyRole.Client, null, null);
        Assert.Null(data.Billing.Tenants.AssignKey(key.Key.Id, tenant.Id));
        Assert.Null(data.Billing.Ledger.TopUp(tenant, null, 10_000_000, "admin:test").Problem);
        server.Reload();

        using var response = await server.Http.SendAsync(Requests.Chat(key.Plaintext, Requests.Body("sim-small", "hello from " + tenantName)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string requestId = response.Headers.GetValues("x-request-id").Single();
        await server.FlushUsageAsync();

        var store = server.App.Services.GetRequiredService<CustomerAccountStore>();
        var account = store.Accept(store.Invite(tenant.Id, "test").Token, accountName, Password).Account!;
        return new CustomerWorld(tenant, key, requestId, account);
    }

    /// <summary>Signs <paramref name="http"/> in as this world's customer.</summary>
    public async Task SignInAsync(ConsoleHttp http)
    {
        string page = await http.PageAsync("console/my/login");
        using var response = await http.PostAsync("console/my/login", page, ("Name", Account.Name), ("Password", Password));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/console/my", response.Headers.Location?.OriginalString);
    }
}
