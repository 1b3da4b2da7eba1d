using System.Text.Json;
using Microsoft.Data.Sqlite;
using Warden.Server.Hosting;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Trust;

/// <summary>
/// Configuration changes made with the CLI are transparency-log entries that commit with the change itself: the entry
/// names the action, subject and actor and holds no credential, and when the entry cannot be written the change does
/// not happen.
/// </summary>
public sealed class ConfigLogTests
{
    [Fact]
    public async Task ChannelAddedByTheCli_IsAConfigEntryWithoutItsCredential_AndRoutesOnlyAfterIt()
    {
        using var folder = new TempDirectory();
        await using var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path);
        Environment.SetEnvironmentVariable("WARDEN_TEST_LOGGED_KEY", "sk-logged-secret-value");
        var (exit, output) = await CliTests.RunAsync("channels", "add", "--name", "cli-logged", "--provider", "deepseek", "--models", "deepseek-logged",
            "--credential-env", "WARDEN_TEST_LOGGED_KEY", "--data", folder.Path);
        Assert.Equal(0, exit);

        // Committed together: as soon as the channel row exists, so does its entry.
        var entries = ReadConfigEntries(folder.Path);
        var added = Assert.Single(entries, e => e.GetProperty("action").GetString() == "channel.add" && e.GetProperty("subject").GetString() == "cli-logged");
        Assert.Equal("cli", added.GetProperty("by").GetString());
        Assert.Equal("config", added.GetProperty("type").GetString());
        Assert.Equal(["type", "action", "subject", "at", "by", "changes", "config_digest"], added.EnumerateObject().Select(p => p.Name));
        Assert.DoesNotContain(entries, e => e.GetRawText().Contains("sk-logged-secret-value", StringComparison.Ordinal));

        server.Reload();
        Assert.Contains("deepseek-logged", server.App.Models);

        // The server's entries endpoint shows it too, after its own first-run entries ("server").
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/transparency/entries");
        request.Headers.Authorization = new("Bearer", server.AdminKey);
        string listed = await (await server.Http.SendAsync(request)).Content.ReadAsStringAsync();
        Assert.Contains("cli-logged", listed, StringComparison.Ordinal);
        Assert.Contains("\\\"by\\\":\\\"server\\\"", listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhenTheLogEntryCannotBeWritten_TheConfigurationChangeDoesNotHappen()
    {
        using var folder = new TempDirectory();
        var (exit, _) = await CliTests.RunAsync("keys", "create", "--name", "first", "--data", folder.Path);
        Assert.Equal(0, exit);
        using (var connection = new SqliteConnection("Data Source=" + Path.Combine(folder.Path, DataFolder.DatabaseFileName)))
        {
            connection.Open();
            using var block = connection.CreateCommand();
            block.CommandText = "CREATE TRIGGER block_log BEFORE INSERT ON log_entries BEGIN SELECT RAISE(ABORT, 'log unavailable'); END";
            block.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        (exit, _) = await RunExpectingFailureAsync("channels", "add", "--name", "unlogged", "--provider", "deepseek", "--models", "x", "--data", folder.Path);
        Assert.NotEqual(0, exit);
        (_, string list) = await CliTests.RunAsync("channels", "list", "--data", folder.Path);
        Assert.DoesNotContain("unlogged", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SigningKeyRotation_IsLoggedAtTheNextStart_AndTheOldCheckpointStillVerifies()
    {
        using var folder = new TempDirectory();
        string before;
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            before = await server.Http.GetStringAsync("v1/transparency/checkpoint");
        }

        SqliteConnection.ClearAllPools();
        var (exit, _) = await CliTests.RunAsync("receipts", "rotate-key", "--data", folder.Path);
        Assert.Equal(0, exit);

        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            var keys = await ReceiptWire.LogKeysAsync(server);
            string after = await server.Http.GetStringAsync("v1/transparency/checkpoint");
            var newer = Core.Trust.SignedCheckpoint.Verify(after, keys);
            Assert.True(newer.IsValid, newer.Reason);
            var older = Core.Trust.SignedCheckpoint.Verify(before, keys);
            Assert.True(older.IsValid, older.Reason);

            // Checkpoints are signed by the log's note key, which the receipt key's rotation leaves alone.
            Assert.Equal(older.KeyId, newer.KeyId);

            // The new receipt key (published first) is the one logged.
            string current = (await ReceiptWire.JwksAsync(server)).Keys[0].KeyId;
            var rotate = Assert.Single(ReadConfigEntries(folder.Path), e => e.GetProperty("action").GetString() == "signing_key.rotate");
            Assert.Equal(current, rotate.GetProperty("subject").GetString());
        }
    }

    private static async Task<(int Exit, string Output)> RunExpectingFailureAsync(params string[] args)
    {
        try
        {
            return await CliTests.RunAsync(args);
        }
        catch (SqliteException ex)
        {
            return (1, ex.Message);
        }
    }

    private static List<JsonElement> ReadConfigEntries(string dataDirectory)
    {
        using var connection = new SqliteConnection("Data Source=" + Path.Combine(dataDirectory, DataFolder.DatabaseFileName));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT entry FROM log_entries WHERE kind = 'config' ORDER BY idx";
        using var reader = command.ExecuteReader();
        var entries = new List<JsonElement>();
        while (reader.Read())
        {
            using var document = JsonDocument.Parse((byte[])reader.GetValue(0));
            entries.Add(document.RootElement.Clone());
        }

        return entries;
    }
}
