using Warden.Server.Cli;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Cli;

/// <summary>`warden simulate --dishonest MODE` (issue 21): usage errors, help and the warning banner.</summary>
public sealed class SimulateCommandTests
{
    [Theory]
    [InlineData("lie", "Unknown --dishonest mode 'lie'")]
    [InlineData("inflate=abc", "inflate=FACTOR")]
    [InlineData("substitute=gpt-4o", "substitute=MODEL")]
    public async Task Simulate_InvalidDishonestMode_ExitsTwoWithTheReason(string mode, string expected)
    {
        var (exit, output) = await CliTests.RunAsync("simulate", "--port", "0", "--dishonest", mode);
        Assert.Equal(2, exit);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SimulateHelp_DescribesEveryDishonestMode()
    {
        var (exit, output) = await CliTests.RunAsync("simulate", "--help");
        Assert.Equal(0, exit);
        foreach (var mode in (string[])["--dishonest", "substitute=MODEL", "inflate=FACTOR", "truncate-context=N", "cap-output=N", "replay", "inject-tool"])
        {
            Assert.Contains(mode, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Banner_SaysLoudlyThatTheSimulatorIsDishonest()
    {
        Assert.Empty(SimulateCommand.DishonestyBanner(SimulatorDishonesty.Honest));
        Assert.True(SimulatorDishonesty.TryParse(["inflate=1.3", "replay"], out var dishonesty, out _));
        var banner = SimulateCommand.DishonestyBanner(dishonesty);
        Assert.Contains("DISHONEST", banner[0], StringComparison.Ordinal);
        Assert.Contains("inflate=1.3, replay", banner[0], StringComparison.Ordinal);
    }
}
