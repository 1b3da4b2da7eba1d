using System.CommandLine;
using System.Net;
using Warden.Server.Cli;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Cli;

/// <summary>The CLI against a real data folder, and a running server picking up what the CLI changed.</summary>
public sealed class CliTests
{
    [Fact]
    public async Task KeysCreateListRevoke_WorkOnTheDataFolder_AndARunningServerFollows()
    {
        using var folder = new TempDirectory();
        await using var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path);

        var (exit, output) = await RunAsync("keys", "create", "--name", "ci-key", "--models", "sim-small", "--data", folder.Path);
        Assert.Equal(0, exit);
        string key = Line(output, "Key: ");
        string id = Line(output, "Key id: ");
        Assert.StartsWith("wdn_", key, StringComparison.Ordinal);

        (exit, output) = await RunAsync("keys", "list", "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.Contains("ci-key", output, StringComparison.Ordinal);
        Assert.Contains("sim-small", output, StringComparison.Ordinal);
        Assert.DoesNotContain(key, output, StringComparison.Ordinal);

        // The running server notices the CLI's change through the configuration version.
        await EventuallyAsync(async () => (await server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-small", "hi")))).StatusCode == HttpStatusCode.OK);

        (exit, _) = await RunAsync("keys", "revoke", id, "--data", folder.Path);
        Assert.Equal(0, exit);
        await EventuallyAsync(async () => (await server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-small", "hi")))).StatusCode == HttpStatusCode.Unauthorized);

        (exit, _) = await RunAsync("keys", "revoke", id, "--data", folder.Path);
        Assert.Equal(1, exit);
    }

    [Fact]
    public async Task ChannelsAddListRemove_StoreEncryptedAndRefuseUnsafeUrls()
    {
        using var folder = new TempDirectory();
        Environment.SetEnvironmentVariable("WARDEN_TEST_UPSTREAM_KEY", "sk-cli-secret-value");
        var (exit, output) = await RunAsync("channels", "add", "--name", "deepseek-main", "--provider", "deepseek", "--models", "deepseek-chat,deepseek-reasoner",
            "--credential-env", "WARDEN_TEST_UPSTREAM_KEY", "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.Contains("Added channel deepseek-main", output, StringComparison.Ordinal);

        (exit, output) = await RunAsync("channels", "list", "--data", folder.Path);
        Assert.Contains("deepseek-main", output, StringComparison.Ordinal);
        Assert.Contains("https://api.deepseek.com/v1/", output, StringComparison.Ordinal);
        Assert.Contains("encrypted", output, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-cli-secret-value", output, StringComparison.Ordinal);

        // SSRF guard: a cloud metadata address for a public provider is refused.
        (exit, output) = await RunAsync("channels", "add", "--name", "evil", "--provider", "openai", "--base-url", "http://169.254.169.254/v1", "--models", "x", "--data", folder.Path);
        Assert.Equal(1, exit);
        Assert.Contains("private", output, StringComparison.Ordinal);

        (exit, _) = await RunAsync("channels", "remove", "deepseek-main", "--data", folder.Path);
        Assert.Equal(0, exit);
        (_, output) = await RunAsync("channels", "list", "--data", folder.Path);
        Assert.DoesNotContain("deepseek-main", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_PrintsATablePerKeyModelAndDay()
    {
        using var folder = new TempDirectory();
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            for (int i = 0; i < 3; i++)
            {
                using var response = await server.Http.SendAsync(Requests.Chat(server.DemoKey, Requests.Body("sim-large", "count me " + i)));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        var (exit, output) = await RunAsync("usage", "--data", folder.Path);
        Assert.Equal(0, exit);
        string row = output.Split('\n').Single(l => l.Contains("sim-large", StringComparison.Ordinal));
        string[] cells = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("demo", cells[1]);
        Assert.Equal("3", cells[3]);   // requests
        Assert.Equal("3", cells[4]);   // succeeded
    }

    internal static async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        int exit = await WardenCli.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
        return (exit, output.ToString());
    }

    private static string Line(string output, string prefix) =>
        output.Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..].Trim();

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        // Bounded wait for the server's configuration poll (1 s); the assertion is the condition, not the time.
        for (int i = 0; i < 100; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail("The running server did not pick up the CLI's change.");
    }
}
