using Warden.Core.Chat;
using Warden.Server.Hosting;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;
using CanonicalUsage = Warden.Core.Chat.Usage;

namespace Warden.Server.Tests.Billing;

/// <summary>The billing commands against a real data folder, end to end.</summary>
public sealed class BillingCliTests
{
    [Fact]
    public async Task TenantsPricesCreditsCodes_AndTheLedgerCheck_WorkFromTheCli()
    {
        using var folder = new TempDirectory();
        string data = folder.Path;

        var (exit, output) = await CliTests.RunAsync("tenants", "add", "--name", "acme", "--currency", "EUR", "--data", data);
        Assert.Equal(0, exit);
        string tenantId = Line(output, "Tenant id: ");

        (exit, output) = await CliTests.RunAsync("keys", "create", "--name", "acme-key", "--data", data);
        string keyId = Line(output, "Key id: ");
        (exit, _) = await CliTests.RunAsync("tenants", "assign", "--key", keyId, "--tenant", "acme", "--data", data);
        Assert.Equal(0, exit);
        (exit, output) = await CliTests.RunAsync("tenants", "assign", "--key", "no-such-key", "--tenant", "acme", "--data", data);
        Assert.Equal(1, exit);
        Assert.Contains("No client key", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("prices", "set", "--model", "sim-large", "--currency", "EUR", "--input", "3", "--output", "15",
            "--cache-read", "0.3", "--cache-write", "3.75", "--reasoning", "10", "--data", data);
        Assert.Equal(0, exit);
        Assert.Contains("Price version", output, StringComparison.Ordinal);
        (exit, output) = await CliTests.RunAsync("prices", "list", "--data", data);
        Assert.Contains("3.750000", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("credits", "topup", "--tenant", tenantId, "--amount", "10", "--data", data);
        Assert.Equal(0, exit);
        Assert.Contains("10.000000 EUR", output, StringComparison.Ordinal);
        (exit, output) = await CliTests.RunAsync("credits", "topup", "--tenant", "acme", "--amount", "1.2345678", "--data", data);
        Assert.Equal(2, exit);

        (exit, output) = await CliTests.RunAsync("codes", "create", "--count", "2", "--amount", "2.5", "--currency", "EUR", "--data", data);
        Assert.Equal(0, exit);
        var codes = output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("wdn_code_", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, codes.Count);

        // The code is read from an environment variable, never the command line.
        string codeVariable = "WARDEN_TEST_CODE_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(codeVariable, codes[0]);
        (exit, output) = await CliTests.RunAsync("credits", "redeem", "--code-env", codeVariable, "--tenant", "acme", "--data", data);
        Assert.Equal(0, exit);
        Assert.Contains("balance 12.500000", output, StringComparison.Ordinal);
        (exit, output) = await CliTests.RunAsync("credits", "redeem", "--code-env", codeVariable, "--tenant", "acme", "--data", data);
        Assert.Equal(1, exit);
        Assert.Contains("already been redeemed", output, StringComparison.Ordinal);

        // A billed request through the gate, as the pipeline will make it.
        var opened = DataFolder.Open(data, null, TimeProvider.System);
        var key = opened.Keys.List().Single(k => k.Id == keyId);
        var reservation = (await opened.Billing.Gate.ReserveAsync(key, "sim-large", 10_000, 2_000, "req-cli")).Reservation!;
        await opened.Billing.Gate.SettleAsync(reservation, new CanonicalUsage(10_000, 1_500, 6_000, 2_000, 1_000, UsageSource.Reported));

        (exit, output) = await CliTests.RunAsync("usage", "report", "--by", "model", "--csv", "--data", data);
        Assert.Equal(0, exit);
        string[] lines = output.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("group,currency,requests,input_tokens,cache_read_tokens,cache_write_tokens,output_tokens,reasoning_tokens,cost,charged,estimated_requests", lines[0]);
        Assert.Equal("sim-large,EUR,1,10000,6000,2000,1500,1000,0.032800,0.032800,0", lines[1]);

        (exit, output) = await CliTests.RunAsync("usage", "report", "--by", "tenant", "--data", data);
        Assert.Equal(0, exit);
        Assert.Contains("acme", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("ledger", "check", "--data", data);
        Assert.Equal(0, exit);
        Assert.Contains("Ledger OK", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("tenants", "list", "--data", data);
        Assert.Contains("12.467200", output, StringComparison.Ordinal);

        // Tamper with one entry behind the ledger's back: the check fails with exit code 1 and says what is wrong.
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(data, DataFolder.DatabaseFileName)};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE ledger_entries SET amount_micros = amount_micros + 1000000 WHERE kind = 'redemption' AND account LIKE 'tenant:%'";
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        (exit, output) = await CliTests.RunAsync("ledger", "check", "--data", data);
        Assert.Equal(1, exit);
        Assert.Contains("Ledger check FAILED", output, StringComparison.Ordinal);
        Assert.Contains("does not balance", output, StringComparison.Ordinal);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task LimitsCommand_SetsRateLimitsAndBudgets()
    {
        using var folder = new TempDirectory();
        var (exit, _) = await CliTests.RunAsync("tenants", "add", "--name", "acme", "--data", folder.Path);
        Assert.Equal(0, exit);
        (exit, _) = await CliTests.RunAsync("limits", "rate", "--tenant", "acme", "--rpm", "60", "--concurrent", "4", "--data", folder.Path);
        Assert.Equal(0, exit);
        (exit, _) = await CliTests.RunAsync("limits", "budget", "--tenant", "acme", "--period", "daily", "--limit", "5", "--data", folder.Path);
        Assert.Equal(0, exit);
        (exit, var output) = await CliTests.RunAsync("limits", "budget", "--tenant", "acme", "--period", "weekly", "--limit", "5", "--data", folder.Path);
        Assert.Equal(1, exit);
        Assert.Contains("daily, monthly or total", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("limits", "list", "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.Contains("5.000000", output, StringComparison.Ordinal);
        Assert.Contains("60", output, StringComparison.Ordinal);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    private static string Line(string output, string prefix) =>
        output.Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..].Trim();
}
