using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Warden.Server.Billing;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Billing;

/// <summary>
/// Regressions of issue 18 (money: amounts overflow): two top-ups of 2^63−1 micros were accepted and SQLite stored the
/// sum as a REAL, after which <c>warden ledger check</c> aborted (the admin route answered 500); a code of that value
/// was accepted; <c>--amount 9223372036854.999999</c> wrapped negative. Every amount now has a documented maximum.
/// </summary>
public sealed class AmountLimitTests
{
    private const long LongMax = long.MaxValue;

    [Fact]
    public void Ledger_TopUpOfTwoToThe63_IsRefused_AndTheBalanceStaysAnInteger()
    {
        using var setup = new BillingSetup();
        var ledger = setup.Billing.Ledger;

        var first = ledger.TopUp(setup.Tenant, null, LongMax, "admin:test");
        var second = ledger.TopUp(setup.Tenant, null, LongMax, "admin:test");

        Assert.Contains("out of range", first.Problem, StringComparison.Ordinal);
        Assert.Contains("out of range", second.Problem, StringComparison.Ordinal);
        Assert.Equal(0, ledger.Balance(setup.Tenant.AccountId));
        Assert.Null(ledger.TopUp(setup.Tenant, null, Money.MaxAmountMicros, "admin:test").Problem);
        Assert.Null(ledger.TopUp(setup.Tenant, null, Money.MaxAmountMicros, "admin:test").Problem);
        Assert.Equal(2 * Money.MaxAmountMicros, ledger.Balance(setup.Tenant.AccountId));
        Assert.Contains("out of range", ledger.AdminAdjust(setup.Tenant.AccountId, -LongMax, "admin:test").Problem, StringComparison.Ordinal);
        Assert.Empty(setup.Billing.Check.Run());
    }

    [Fact]
    public void Ledger_MovementPastTheLargestBalance_IsRefused()
    {
        using var setup = new BillingSetup();
        var ledger = setup.Billing.Ledger;
        Assert.Null(ledger.TopUp(setup.Tenant, null, 1, "admin:test").Problem);
        // An account already at the edge of the range (as many top-ups would leave it): one more micro is refused.
        setup.RawSql($"UPDATE accounts SET balance_micros = {Money.MaxBalanceMicros} WHERE id = '{setup.Tenant.AccountId}'");

        var (id, problem) = ledger.TopUp(setup.Tenant, null, 1, "admin:test");

        Assert.Null(id);
        Assert.Contains("largest balance", problem, StringComparison.Ordinal);
        Assert.Equal(Money.MaxBalanceMicros, ledger.Balance(setup.Tenant.AccountId));
        Assert.Contains("largest balance", ledger.AdminAdjust(setup.Tenant.AccountId, 1, "admin:test").Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void CodesBudgetsPricesMultipliers_PastTheMaximum_AreRefused()
    {
        using var setup = new BillingSetup();
        var billing = setup.Billing;

        Assert.Contains("out of range", billing.Codes.CreateBatch(1, LongMax, "USD").Problem, StringComparison.Ordinal);
        Assert.Null(billing.Codes.CreateBatch(1, Money.MaxAmountMicros, "USD").Problem);
        Assert.Contains("out of range", billing.Budgets.Set("tenant", setup.Tenant.Id, BudgetPeriod.Total, LongMax), StringComparison.Ordinal);
        Assert.Contains("out of range", billing.Prices.Set("m", "USD", new PriceRates(1, 1, 1, 1, LongMax)).Problem, StringComparison.Ordinal);
        Assert.Contains("multiplier", billing.Tenants.Add("greedy", "USD", LongMax).Problem, StringComparison.Ordinal);
        Assert.NotNull(billing.Tenants.Add("steep", "USD", Money.MaxMultiplierPpm).Tenant);
    }

    [Fact]
    public void Redeem_ACodeStoredPastTheMaximum_IsRefusedAndStaysUnredeemed()
    {
        using var setup = new BillingSetup();
        var (_, codes, _) = setup.Billing.Codes.CreateBatch(1, 1_000_000, "USD");
        // A code written before amounts had a maximum, or edited in the database.
        setup.RawSql($"UPDATE redemption_codes SET amount_micros = {LongMax}");

        var result = setup.Billing.Codes.Redeem(codes[0], setup.Tenant);

        Assert.False(result.Redeemed);
        Assert.Contains("out of range", result.Problem, StringComparison.Ordinal);
        Assert.Equal(0, setup.Billing.Ledger.Balance(setup.Tenant.AccountId));
    }

    [Fact]
    public void LedgerCheck_RealAndOverflowingValues_AreReportedNotThrown()
    {
        using var setup = new BillingSetup();
        Assert.Null(setup.Billing.Ledger.TopUp(setup.Tenant, null, 5, "admin:test").Problem);
        OverflowByRawSql(setup.RawSql, setup.Tenant.AccountId);

        var problems = setup.Billing.Check.Run();

        Assert.Contains(problems, p => p.Contains("accounts " + setup.Tenant.AccountId, StringComparison.Ordinal) && p.Contains("real", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("could not run", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cli_AmountsThatWrapOrPassTheMaximum_AreUsageErrors()
    {
        using var folder = new TempDirectory();
        var (exit, _) = await CliTests.RunAsync("tenants", "add", "--name", "acme", "--data", folder.Path);
        Assert.Equal(0, exit);

        (exit, var output) = await CliTests.RunAsync("credits", "topup", "--tenant", "acme", "--amount", "9223372036854.999999", "--data", folder.Path);
        Assert.Equal(2, exit);
        Assert.Contains("is not an amount", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("credits", "topup", "--tenant", "acme", "--amount", "1000000000.000001", "--data", folder.Path);
        Assert.Equal(2, exit);
        Assert.Contains("out of range", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("codes", "create", "--count", "1", "--amount", "9223372036854", "--data", folder.Path);
        Assert.Equal(2, exit);
        Assert.DoesNotContain("wdn_code_", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("limits", "budget", "--tenant", "acme", "--period", "total", "--limit", "9223372036854", "--data", folder.Path);
        Assert.Equal(2, exit);

        (exit, output) = await CliTests.RunAsync("credits", "topup", "--tenant", "acme", "--amount", "1000000000", "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.Contains("1000000000.000000", output, StringComparison.Ordinal);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task Cli_LedgerCheck_OnAnOverflowedDatabase_ListsTheProblems()
    {
        using var folder = new TempDirectory();
        var (exit, _) = await CliTests.RunAsync("tenants", "add", "--name", "acme", "--data", folder.Path);
        Assert.Equal(0, exit);
        (exit, _) = await CliTests.RunAsync("credits", "topup", "--tenant", "acme", "--amount", "1", "--data", folder.Path);
        Assert.Equal(0, exit);
        OverflowByRawSql(sql => RawSql(folder.Path, sql), null);

        (exit, var output) = await CliTests.RunAsync("ledger", "check", "--data", folder.Path);

        Assert.Equal(1, exit);
        Assert.Contains("Ledger check FAILED", output, StringComparison.Ordinal);
        Assert.Contains("not an integer number of micros", output, StringComparison.Ordinal);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task AdminApi_AmountsPastTheMaximum_Are400_AndLedgerCheckReportsAnOverflowedDatabase()
    {
        await using var server = await WardenTestServer.StartAsync();
        using (var tenant = await SendAsync(server, "admin/tenants", """{"name":"big","currency":"USD"}"""))
        {
            Assert.Equal(HttpStatusCode.Created, tenant.StatusCode);
        }

        foreach (var (path, body) in new[]
        {
            ("admin/credits/topup", $$"""{"tenant":"big","amount_micros":{{LongMax}}}"""),
            ("admin/credits/topup", $$"""{"tenant":"big","amount_micros":{{LongMax}}}"""),
            ("admin/credits/adjust", $$"""{"tenant":"big","amount_micros":{{LongMax}}}"""),
            ("admin/codes", $$"""{"count":1,"amount_micros":{{LongMax}}}"""),
            ("admin/prices", $$"""{"model":"m","input_per_million":{{LongMax}},"output_per_million":1}"""),
            ("admin/tenants", $$"""{"name":"greedy","multiplier_ppm":{{LongMax}}}"""),
        })
        {
            using var response = await SendAsync(server, path, body);
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode} {text}");
            Assert.Contains("out of range", text.Replace("must be between", "out of range", StringComparison.Ordinal), StringComparison.Ordinal);
        }

        using (var topup = await SendAsync(server, "admin/credits/topup", """{"tenant":"big","amount_micros":7}"""))
        {
            Assert.Equal(HttpStatusCode.OK, topup.StatusCode);
        }

        OverflowByRawSql(sql => RawSql(server.DataDirectory, sql), null);
        using var check = new HttpRequestMessage(HttpMethod.Get, "admin/ledger/check");
        check.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.AdminKey);
        using var checkResponse = await server.Http.SendAsync(check);
        string checkText = await checkResponse.Content.ReadAsStringAsync();
        Assert.True(checkResponse.StatusCode == HttpStatusCode.OK, checkText);
        var json = JsonDocument.Parse(checkText).RootElement;
        Assert.False(json.GetProperty("ok").GetBoolean());
        Assert.Contains("not an integer number of micros", checkText, StringComparison.Ordinal);
    }

    /// <summary>
    /// What the unchecked ledger once did on two top-ups of 2^63−1: two integer entries whose sum overflows, and a
    /// balance SQLite stored as a REAL. Written behind the ledger's back, as an operator's raw SQL edit would.
    /// </summary>
    private static void OverflowByRawSql(Action<string> rawSql, string? account)
    {
        string target = account is null ? "(SELECT id FROM accounts WHERE kind = 'tenant' LIMIT 1)" : $"'{account}'";
        rawSql($"""
            INSERT INTO ledger_entries (transaction_id, account, amount_micros, kind, reference, created_at)
            SELECT 'tx-overflow-' || n, {target}, {LongMax}, 'topup', 'raw', '2026-12-07T00:00:00.0000000+00:00'
            FROM (SELECT 1 AS n UNION ALL SELECT 2)
            """);
        rawSql($"UPDATE accounts SET balance_micros = balance_micros + {LongMax} + {LongMax} WHERE id = {target}");
    }

    private static void RawSql(string dataPath, string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(
            $"Data Source={Path.Combine(dataPath, Warden.Server.Hosting.DataFolder.DatabaseFileName)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static Task<HttpResponseMessage> SendAsync(WardenTestServer server, string path, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.AdminKey);
        return server.Http.SendAsync(request);
    }
}
