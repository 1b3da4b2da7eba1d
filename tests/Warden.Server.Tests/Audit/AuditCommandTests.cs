using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Warden.Server.Cli;
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
        _simulator = await SimulatorHost.StartAsync(new SimulatorOptions { ApiKey = Key }, CancellationToken.None);
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
            "--protocol", protocol, "--max-requests", "120", "--seed", "3");

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
            "--model", SimulatorModels.Small, "--max-requests", "120", "--seed", "5");

        Assert.True(exit == 0, output);
        Assert.Contains("RESULT: PASS", output, StringComparison.Ordinal);
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
