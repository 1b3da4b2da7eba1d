using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Warden.Server.Audit.Reports;
using Warden.Server.Cli;
using Warden.Server.Keys;
using Warden.Server.Simulator;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Audit;

/// <summary><c>warden audit</c> end to end, in-process, against the real simulator and a real Warden in front of it.</summary>
public sealed class AuditCommandTests : IAsyncLifetime
{
    private const string Key = "sk-audit-command-test";
    private const string KeyVariable = "WARDEN_AUDIT_TEST_KEY";
    private SimulatorHost _simulator = null!;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable(KeyVariable, Key);
        // Seeded, so that the honest runs cannot be among the alpha share a calibrated check flags by chance.
        _simulator = await SimulatorHost.StartAsync(new SimulatorOptions { ApiKey = Key, SamplingSeed = 5 }, CancellationToken.None);
    }

    public async Task DisposeAsync() => await _simulator.DisposeAsync();

    [Theory]
    [InlineData("openai")]
    [InlineData("responses")]
    [InlineData("anthropic")]
    [InlineData("gemini")]
    public async Task Audit_HonestSimulator_PassesEveryCheck(string protocol)
    {
        string baseUrl = (protocol == "gemini" ? _simulator.GeminiBaseUrl : _simulator.BaseUrl).ToString();

        var (exit, output) = await RunAsync("audit", "--base-url", baseUrl, "--key-env", KeyVariable, "--model", SimulatorModels.Large,
            "--protocol", protocol, "--max-requests", "300", "--seed", "3");

        Assert.True(exit == 0, output);
        Assert.Contains("RESULT: PASS", output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL ", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_WardenInFrontOfTheSimulator_Passes()
    {
        await using var server = await WardenTestServer.StartAsync();
        Environment.SetEnvironmentVariable("WARDEN_AUDIT_TEST_DEMO_KEY", server.DemoKey);

        var (exit, output) = await RunAsync("audit", "--base-url", new Uri(server.Url, "v1").ToString(), "--key-env", "WARDEN_AUDIT_TEST_DEMO_KEY",
            "--model", SimulatorModels.Small, "--max-requests", "300", "--seed", "5", "--expect-upstream-host", "127.0.0.1");

        Assert.True(exit == 0, output);
        Assert.Contains("RESULT: PASS", output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^PASS\s+receipts\s", output);
    }

    [Fact]
    public async Task Audit_WardenReachingAnUnexpectedUpstreamHost_FailsTheReceiptsCheck()
    {
        await using var server = await WardenTestServer.StartAsync();
        Environment.SetEnvironmentVariable("WARDEN_AUDIT_TEST_RECEIPTS_KEY", server.DemoKey);

        var (exit, output) = await RunAsync("audit", "--base-url", new Uri(server.Url, "v1").ToString(), "--key-env", "WARDEN_AUDIT_TEST_RECEIPTS_KEY",
            "--model", SimulatorModels.Small, "--checks", "receipts", "--max-requests", "12", "--seed", "5", "--expect-upstream-host", "api.openai.com");

        Assert.True(exit == 1, output);
        Assert.Matches(@"(?m)^FAIL\s+receipts\s", output);
    }

    [Theory]
    [InlineData("substitute=sim-small", "substitution", "openai")]
    [InlineData("inflate=1.5", "usage", "anthropic")]
    [InlineData("truncate-context=6", "context", "gemini")]
    [InlineData("cap-output=24", "output", "responses")]
    [InlineData("replay", "replay", "openai")]
    [InlineData("inject-tool", "tools", "anthropic")]
    public async Task Audit_DishonestSimulator_TheMatchingCheckFails(string mode, string check, string protocol)
    {
        Assert.True(SimulatorDishonesty.TryParse([mode], out var dishonesty, out string? problem), problem);
        await using var dishonest = await SimulatorHost.StartAsync(new SimulatorOptions { ApiKey = Key, Dishonesty = dishonesty!, SamplingSeed = 17 }, CancellationToken.None);
        string baseUrl = (protocol == "gemini" ? dishonest.GeminiBaseUrl : dishonest.BaseUrl).ToString();

        var (exit, output) = await RunAsync("audit", "--base-url", baseUrl, "--key-env", KeyVariable, "--model", SimulatorModels.Large, "--protocol", protocol,
            "--checks", check, "--max-requests", "160", "--seed", "7");

        Assert.True(exit == 1, output);
        Assert.Matches($@"(?m)^FAIL\s+{check}\s", output);
        Assert.Contains("RESULT: FAIL", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("substitute=sim-small", "substitution")]
    [InlineData("inflate=2", "usage")]
    public async Task Audit_WardenWhoseChannelIsADishonestSimulator_Fails(string mode, string check)
    {
        Assert.True(SimulatorDishonesty.TryParse([mode], out var dishonesty, out string? problem), problem);
        await using var dishonest = await SimulatorHost.StartAsync(new SimulatorOptions { Dishonesty = dishonesty!, SamplingSeed = 23 }, CancellationToken.None);
        await using var server = await WardenTestServer.StartAsync(o => o with { EnableSimulator = false });
        server.AddChannel("simulator", "swapped", dishonest.BaseUrl, null, 10, SimulatorModels.Large);
        Environment.SetEnvironmentVariable("WARDEN_AUDIT_TEST_SWAPPED_KEY", server.App.Data.KeyIssuer.Issue("auditor", KeyRole.Client, null, null).Plaintext);
        server.Reload();

        var (exit, output) = await RunAsync("audit", "--base-url", new Uri(server.Url, "v1").ToString(), "--key-env", "WARDEN_AUDIT_TEST_SWAPPED_KEY",
            "--model", SimulatorModels.Large, "--checks", "substitution,usage", "--max-requests", "200", "--seed", "9");

        Assert.True(exit == 1, output);
        Assert.Matches($@"(?m)^FAIL\s+{check}\s", output);
    }

    [Fact]
    public async Task Audit_JsonAndHtml_WrittenWithTheRunsVerdicts()
    {
        using var folder = new TempDirectory();
        string json = Path.Combine(folder.Path, "audit.json");
        string html = Path.Combine(folder.Path, "audit.html");

        var (exit, output) = await RunAsync("audit", "--base-url", _simulator.BaseUrl.ToString(), "--key-env", KeyVariable, "--model", SimulatorModels.Small,
            "--checks", "tools,output", "--max-requests", "60", "--seed", "11", "--json", json, "--html", html);

        Assert.True(exit == 0, output);
        await using var stream = File.OpenRead(json);
        var document = AuditJsonReport.Read(stream);
        Assert.NotNull(document);
        Assert.Equal(0, document.ExitCode);
        Assert.Equal(["output", "tools"], document.Checks.Select(c => c.Id));
        string page = await File.ReadAllTextAsync(html);
        Assert.StartsWith("<!DOCTYPE html>", page, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--key-env", "WARDEN_AUDIT_TEST_UNSET_VARIABLE", "is empty")]
    [InlineData("--protocol", "soap", "--protocol soap")]
    [InlineData("--checks", "substitution,vibes", "unknown check 'vibes'")]
    [InlineData("--max-requests", "lots", "--max-requests lots")]
    [InlineData("--alpha", "1.5", "--alpha 1.5")]
    [InlineData("--base-url", "ftp://example.test/v1", "--base-url ftp://example.test/v1")]
    [InlineData("--reference-key-env", KeyVariable, "need --reference-url")]
    [InlineData("--model", "no-such-model", "did not answer a first request (HTTP 404")]
    public async Task Audit_BadOptionOrRefusedFirstRequest_ExitsTwoWithTheReason(string option, string value, string reason)
    {
        var args = new Dictionary<string, string>
        {
            ["--base-url"] = _simulator.BaseUrl.ToString(),
            ["--key-env"] = KeyVariable,
            ["--model"] = SimulatorModels.Small,
        };
        args[option] = value;

        var (exit, output) = await RunAsync(["audit", .. args.SelectMany(pair => new[] { pair.Key, pair.Value })]);

        Assert.Equal(2, exit);
        Assert.Contains(reason, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_MissingModel_ExitsTwo()
    {
        var (exit, output) = await RunAsync("audit", "--base-url", _simulator.BaseUrl.ToString(), "--key-env", KeyVariable);

        Assert.Equal(2, exit);
        Assert.Contains("are required", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_WrongKey_ExitsTwo()
    {
        Environment.SetEnvironmentVariable("WARDEN_AUDIT_TEST_WRONG_KEY", "sk-not-the-key");

        var (exit, output) = await RunAsync("audit", "--base-url", _simulator.BaseUrl.ToString(), "--key-env", "WARDEN_AUDIT_TEST_WRONG_KEY", "--model", SimulatorModels.Small);

        Assert.Equal(2, exit);
        Assert.Contains("HTTP 401", output, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-not-the-key", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_NothingListening_ExitsTwo()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var (exit, output) = await RunAsync("audit", "--base-url", $"http://127.0.0.1:{port}/v1", "--key-env", KeyVariable, "--model", SimulatorModels.Small);

        Assert.Equal(2, exit);
        Assert.Contains("could not connect", output, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        int exit = await WardenCli.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
        return (exit, output.ToString());
    }
}
