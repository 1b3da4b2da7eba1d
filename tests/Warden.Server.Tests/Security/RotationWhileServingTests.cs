using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using Warden.Server.Cli;
using Warden.Server.Hosting;
using Warden.Server.Secrets;
using Warden.Server.Simulator;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Security;

/// <summary>
/// <c>warden secrets rotate</c> run beside a running server (issue 18): the server keeps every channel in service,
/// and what it encrypts afterwards is sealed under the new key, so it still decrypts after a restart.
/// </summary>
public sealed class RotationWhileServingTests
{
    [Fact]
    public async Task RotateFromTheCli_WhileServing_ChannelsWithCredentialsKeepAnswering()
    {
        using var folder = new TempDirectory();
        string upstreamKey = "sk-upstream-" + Guid.NewGuid().ToString("N");
        await using var upstream = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0, ApiKey = upstreamKey }, CancellationToken.None);
        string demoKey;
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            demoKey = server.DemoKey;
            server.AddChannel("simulator", "paid", upstream.BaseUrl, upstreamKey, 10, "sim-large");
            await AssertAnswersAsync(server, demoKey, upstream);

            var output = new StringWriter();
            int exit = await WardenCli.Build().Parse(["secrets", "rotate", "--data", folder.Path])
                .InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
            Assert.Equal(0, exit);
            string newKeyId = File.ReadAllText(Path.Combine(folder.Path, MasterKeyRing.FileName)).Split(' ')[0];

            // The server reads the rotated configuration (its poll would within a second) and keeps answering through
            // both credentialed channels: the demo channel (its simulator demands its own credential) and "paid".
            server.Reload();
            await AssertAnswersAsync(server, demoKey, upstream);
            Assert.DoesNotContain(server.Logs.Lines, l => l.Contains("out of service", StringComparison.Ordinal));

            // A channel the running server adds now is sealed under the new key.
            var added = server.AddChannel("simulator", "added-after", upstream.BaseUrl, upstreamKey, 0, "sim-reasoner");
            Assert.Equal(newKeyId, added.Credential!.KeyId);
        }

        // After a restart (the old key is gone from the file) everything still decrypts and answers.
        await using var restarted = await WardenTestServer.StartAsync(dataDirectory: folder.Path);
        foreach (var channel in restarted.App.Data.Channels.List().Where(c => !c.ManagedSimulator))
        {
            Assert.Equal(upstreamKey, restarted.App.Data.Channels.DecryptCredential(channel));
        }

        await AssertAnswersAsync(restarted, demoKey, upstream);
    }

    [Fact]
    public async Task RotateWithTheKeyInTheEnvironment_WhileServing_ChannelsKeepAnswering()
    {
        using var folder = new TempDirectory();
        string masterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        string upstreamKey = "sk-upstream-" + Guid.NewGuid().ToString("N");
        await using var upstream = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0, ApiKey = upstreamKey }, CancellationToken.None);
        await using var server = await WardenTestServer.StartAsync(o => o with { MasterKeyFromEnvironment = masterKey }, folder.Path);
        server.AddChannel("simulator", "paid", upstream.BaseUrl, upstreamKey, 10, "sim-large");
        await AssertAnswersAsync(server, server.DemoKey, upstream);

        // What `warden secrets rotate` does in another process that has WARDEN_MASTER_KEY: this server never sees the new key.
        var cli = DataFolder.Open(folder.Path, masterKey, TimeProvider.System);
        SecretRotation.Rotate(cli.Database, cli.Ring, MasterKeyRing.DecodeKey(MasterKeyRing.NewKeyBase64(), "the new key"));

        server.Reload();
        await AssertAnswersAsync(server, server.DemoKey, upstream);
        Assert.Contains(server.Logs.Lines, l => l.Contains("keeps the credential it read before the rotation", StringComparison.Ordinal));
    }

    /// <summary>sim-small through the demo channel, sim-large through the "paid" channel to <paramref name="upstream"/>.</summary>
    private static async Task AssertAnswersAsync(WardenTestServer server, string demoKey, SimulatorHost upstream)
    {
        using (var demo = await server.Http.SendAsync(Requests.Chat(demoKey, Requests.Body("sim-small", "hello"))))
        {
            Assert.Equal(HttpStatusCode.OK, demo.StatusCode);
        }

        int before = upstream.Journal.Snapshot().Count;
        using var paid = await server.Http.SendAsync(Requests.Chat(demoKey, Requests.Body("sim-large", "hello")));
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        Assert.Equal(before + 1, upstream.Journal.Snapshot().Count);
    }
}
