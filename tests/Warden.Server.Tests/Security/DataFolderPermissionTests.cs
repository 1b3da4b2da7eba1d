using System.Net;
using Warden.Server.Hosting;
using Warden.Server.Secrets;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Security;

/// <summary>
/// File modes in the data folder (issue 18): the database and its -wal/-shm files are readable by their owner only
/// whatever the folder's mode, and a master key file other users may read is refused with the command that fixes it.
/// </summary>
public sealed class DataFolderPermissionTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task ExistingFolderWithMode0755_DatabaseAndItsWalAndShmAreOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var folder = new TempDirectory();
        File.SetUnixFileMode(folder.Path, (UnixFileMode)0b111_101_101); // 0755
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            using var response = await server.Http.SendAsync(Requests.Chat(server.DemoKey, Requests.Body("sim-small", "hello")));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await server.FlushUsageAsync();
            foreach (string suffix in new[] { "", "-wal", "-shm" })
            {
                string path = Path.Combine(folder.Path, DataFolder.DatabaseFileName + suffix);
                Assert.True(File.Exists(path), path + " exists while the server runs");
                Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
            }

            Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(folder.Path, MasterKeyRing.FileName)));
        }

        // A database left world-readable (by an older version, or by hand) is narrowed on the next open.
        string database = Path.Combine(folder.Path, DataFolder.DatabaseFileName);
        File.SetUnixFileMode(database, (UnixFileMode)0b110_100_100); // 0644
        await using (await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(database));
        }
    }

    [Fact]
    public async Task MasterKeyReadableByOthers_IsRefusedWithTheChmodCommand()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var folder = new TempDirectory();
        await using (await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
        }

        string keyFile = Path.Combine(folder.Path, MasterKeyRing.FileName);
        File.SetUnixFileMode(keyFile, (UnixFileMode)0b110_100_100); // 0644
        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => WardenTestServer.StartAsync(dataDirectory: folder.Path));
        Assert.Contains("0644", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 {keyFile}", refused.Message, StringComparison.Ordinal);

        // The CLI opens the folder the same way and refuses too.
        Assert.Throws<InvalidDataException>(() => DataFolder.Open(folder.Path, null, TimeProvider.System));

        File.SetUnixFileMode(keyFile, OwnerOnly);
        await using var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path);
        Assert.Null(server.App.FirstRun);
    }
}
