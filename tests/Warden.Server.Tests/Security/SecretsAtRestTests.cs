using System.Net;
using System.Text;
using Warden.Server.Cli;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Security;

/// <summary>Upstream credentials are AES-256-GCM ciphertext at rest, and survive a master key rotation.</summary>
public sealed class SecretsAtRestTests
{
    [Fact]
    public async Task UpstreamCredential_IsNotReadableInDatabase_AndDecryptsAfterRotate()
    {
        string credential = "sk-live-" + Guid.NewGuid().ToString("N");
        using var folder = new TempDirectory();
        string oldKeyFile;
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            server.AddChannel("secret-channel", new Uri("http://127.0.0.1:9/v1/"), credential, "some-model");
            oldKeyFile = await File.ReadAllTextAsync(Path.Combine(folder.Path, "master.key"));
        }

        AssertNotInAnyFile(folder.Path, credential);

        var output = new StringWriter();
        int exit = await WardenCli.Build().Parse(["secrets", "rotate", "--data", folder.Path])
            .InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = output });
        Assert.Equal(0, exit);
        Assert.Contains("Re-encrypted", output.ToString(), StringComparison.Ordinal);

        string newKeyFile = await File.ReadAllTextAsync(Path.Combine(folder.Path, "master.key"));
        Assert.NotEqual(oldKeyFile, newKeyFile);
        Assert.Single(newKeyFile.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder.Path, "master.key")));
        }

        AssertNotInAnyFile(folder.Path, credential);

        // After rotation the server starts, decrypts the credential, and the demo channel (whose simulator
        // demands its own encrypted credential) still answers.
        await using var restarted = await WardenTestServer.StartAsync(dataDirectory: folder.Path);
        var channel = restarted.App.Data.Channels.List().Single(c => c.Name == "secret-channel");
        Assert.Equal(credential, restarted.App.Data.Channels.DecryptCredential(channel));
        var demoKey = restarted.App.Data.KeyIssuer.Issue("after-rotate", Keys.KeyRole.Client, null, null);
        restarted.Reload();
        using var response = await restarted.Http.SendAsync(Requests.Chat(demoKey.Plaintext, Requests.Body("sim-small", "still there?")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Credential_MovedToAnotherChannelRow_FailsToDecrypt()
    {
        using var folder = new TempDirectory();
        await using var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path);
        var a = server.AddChannel("a", new Uri("http://127.0.0.1:9/v1/"), "credential-a", "m-a");
        var b = server.AddChannel("b", new Uri("http://127.0.0.1:9/v1/"), "credential-b", "m-b");

        // The channel id is bound as associated data: a ciphertext copied to another row is rejected, not decrypted.
        var swapped = b with { Credential = a.Credential };
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => server.App.Data.Channels.DecryptCredential(swapped));
    }

    [Fact]
    public async Task MasterKey_FromEnvironment_WritesNoKeyFile()
    {
        using var folder = new TempDirectory();
        string key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await using (var server = await WardenTestServer.StartAsync(o => o with { MasterKeyFromEnvironment = key }, folder.Path))
        {
            server.AddChannel("env-channel", new Uri("http://127.0.0.1:9/v1/"), "credential-env", "m");
        }

        Assert.False(File.Exists(Path.Combine(folder.Path, "master.key")));

        // The same database with a different master key cannot use the credential: the channel is out of service.
        string other = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await Assert.ThrowsAnyAsync<System.Security.Cryptography.CryptographicException>(async () =>
        {
            await using var wrong = await WardenTestServer.StartAsync(o => o with { MasterKeyFromEnvironment = other }, folder.Path);
        });
    }

    private static void AssertNotInAnyFile(string directory, string secret)
    {
        byte[] needle = Encoding.UTF8.GetBytes(secret);
        foreach (string file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            Assert.True(File.ReadAllBytes(file).AsSpan().IndexOf(needle) < 0, $"{Path.GetFileName(file)} holds the credential in plaintext");
        }
    }
}
