using Warden.Server.Console.Customers;
using Warden.Server.Hosting;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Console.Customers;

/// <summary><c>warden accounts</c>: an invitation link for a tenant that the store then accepts once; disabling an account.</summary>
public sealed class AccountsCliTests
{
    [Fact]
    public async Task Invite_PrintsAOneTimeLinkForTheTenant_AndDisableStopsTheAccount()
    {
        using var folder = new TempDirectory();
        var (exit, output) = await CliTests.RunAsync("tenants", "add", "--name", "acme", "--currency", "USD", "--data", folder.Path);
        Assert.Equal(0, exit);

        (exit, output) = await CliTests.RunAsync("accounts", "invite", "--tenant", "acme", "--url", "https://relay.example.com/", "--data", folder.Path);
        Assert.Equal(0, exit);
        string link = output.Split('\n').Single(l => l.StartsWith("https://relay.example.com/console/my/invitation?token=", StringComparison.Ordinal)).Trim();
        string token = link[(link.IndexOf('=') + 1)..];

        var data = DataFolder.Open(folder.Path, null, TimeProvider.System);
        var store = new CustomerAccountStore(data.Database, data.Ring, TimeProvider.System);
        var account = store.Accept(token, "alice", CustomerWorld.Password).Account!;
        Assert.Equal(data.Billing.Tenants.Find("acme")!.Id, account.TenantId);

        (exit, _) = await CliTests.RunAsync("accounts", "disable", "--id", account.Id, "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.False(store.Find(account.Id)!.Active);

        (exit, output) = await CliTests.RunAsync("accounts", "invite", "--tenant", "nobody", "--data", folder.Path);
        Assert.NotEqual(0, exit);
        Assert.Contains("nobody", output, StringComparison.Ordinal);
    }
}
