using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Cli;

/// <summary>
/// <c>warden credits redeem</c> reads the code like every other secret (issue 18): from an environment variable or
/// standard input, never from the command line, where shell history and the process list would keep it.
/// </summary>
public sealed class RedeemCodeCliTests
{
    [Fact]
    public async Task Redeem_CodeOnTheCommandLine_IsRefused_FromTheEnvironmentOrStdin_IsRedeemed()
    {
        using var folder = new TempDirectory();
        string data = folder.Path;
        var (exit, output) = await CliTests.RunAsync("tenants", "add", "--name", "acme", "--currency", "USD", "--data", data);
        Assert.Equal(0, exit);
        (exit, output) = await CliTests.RunAsync("codes", "create", "--count", "2", "--amount", "3", "--currency", "USD", "--data", data);
        Assert.Equal(0, exit);
        var codes = output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("wdn_code_", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, codes.Count);

        // On the command line: refused, pointing at the safe options, and nothing redeemed.
        (exit, output) = await CliTests.RunAsync("credits", "redeem", "--code", codes[0], "--tenant", "acme", "--data", data);
        Assert.NotEqual(0, exit);
        Assert.Contains("--code-env", output, StringComparison.Ordinal);
        Assert.Contains("--code-stdin", output, StringComparison.Ordinal);
        (_, output) = await CliTests.RunAsync("credits", "balance", "--tenant", "acme", "--data", data);
        Assert.StartsWith("0.000000", output.Trim(), StringComparison.Ordinal);

        // Neither option: told how to give it.
        (exit, output) = await CliTests.RunAsync("credits", "redeem", "--tenant", "acme", "--data", data);
        Assert.NotEqual(0, exit);
        Assert.Contains("--code-env", output, StringComparison.Ordinal);

        string variable = "WARDEN_TEST_REDEEM_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, codes[0]);
        (exit, output) = await CliTests.RunAsync("credits", "redeem", "--code-env", variable, "--tenant", "acme", "--data", data);
        Assert.Equal(0, exit);
        Assert.Contains("balance 3.000000", output, StringComparison.Ordinal);
        Assert.DoesNotContain(codes[0], output, StringComparison.Ordinal);

        var stdin = System.Console.In;
        try
        {
            System.Console.SetIn(new StringReader(codes[1] + "\n"));
            (exit, output) = await CliTests.RunAsync("credits", "redeem", "--code-stdin", "--tenant", "acme", "--data", data);
        }
        finally
        {
            System.Console.SetIn(stdin);
        }

        Assert.Equal(0, exit);
        Assert.Contains("balance 6.000000", output, StringComparison.Ordinal);
    }
}
