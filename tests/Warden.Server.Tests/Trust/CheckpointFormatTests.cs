using System.Net;
using Microsoft.Data.Sqlite;
using Warden.Server.Hosting;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Trust;

/// <summary>
/// Checkpoints are C2SP signed notes (issue 19): checked with <see cref="SpecNoteVerifier"/>, written from the
/// specification and not from Warden's code; the per-instance origin is chosen once, logged and never changed.
/// </summary>
public sealed class CheckpointFormatTests
{
    [Fact]
    public async Task Checkpoint_VerifiesAsASignedNote_WithAVerifierWrittenFromTheSpecification()
    {
        await using var server = await WardenTestServer.StartAsync();
        string vkeyText = await server.Http.GetStringAsync(".well-known/warden/log.vkey");
        var vkey = SpecNoteVerifier.ParseVkey(vkeyText);
        Assert.Equal(0x01, vkey.Type);

        using var response = await server.Http.SendAsync(Requests.Chat(server.DemoKey, Requests.Body("sim-small", "hi")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await server.FlushUsageAsync();
        string checkpoint = await server.Http.GetStringAsync("v1/transparency/checkpoint");

        // tlog-checkpoint: origin, decimal size, base64 root of 32 bytes; the key name is the origin.
        var (text, _) = SpecNoteVerifier.Split(checkpoint);
        string[] lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal(vkey.Name, lines[0]);
        Assert.StartsWith("warden.local/", lines[0], StringComparison.Ordinal);
        Assert.True(long.Parse(lines[1], System.Globalization.CultureInfo.InvariantCulture) >= 2);
        Assert.Equal(32, Convert.FromBase64String(lines[2]).Length);
        Assert.True(SpecNoteVerifier.VerifyNote(checkpoint, vkey));

        // Any changed byte of the text, or a key with another name, fails.
        Assert.False(SpecNoteVerifier.VerifyNote(checkpoint.Replace("\n" + lines[1] + "\n", "\n" + (long.Parse(lines[1], System.Globalization.CultureInfo.InvariantCulture) + 1) + "\n", StringComparison.Ordinal), vkey));
        Assert.False(SpecNoteVerifier.VerifyNote(checkpoint, vkey with { Name = "other.example/log" }));

        // The origin and its key were logged when they were chosen.
        Assert.Contains(LogEntries(server.DataDirectory), e => e.Contains("\"action\":\"log.origin\"", StringComparison.Ordinal) && e.Contains(vkeyText.Trim(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConfiguredOrigin_IsKept_AndADifferentOneLaterIsRefused()
    {
        using var folder = new TempDirectory();
        await using (var server = await WardenTestServer.StartAsync(o => o with { LogOrigin = "relay.example.com/log" }, folder.Path))
        {
            Assert.StartsWith("relay.example.com/log\n", await server.Http.GetStringAsync("v1/transparency/checkpoint"), StringComparison.Ordinal);
        }

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => WardenTestServer.StartAsync(o => o with { LogOrigin = "elsewhere.example/log" }, folder.Path));
        Assert.Contains("relay.example.com/log", refused.Message, StringComparison.Ordinal);

        // Without the setting the stored origin stays, and it was logged once.
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            Assert.StartsWith("relay.example.com/log\n", await server.Http.GetStringAsync("v1/transparency/checkpoint"), StringComparison.Ordinal);
        }

        Assert.Single(LogEntries(folder.Path), e => e.Contains("\"action\":\"log.origin\"", StringComparison.Ordinal));
    }

    internal static List<string> LogEntries(string dataDirectory)
    {
        using var connection = new SqliteConnection("Data Source=" + Path.Combine(dataDirectory, DataFolder.DatabaseFileName) + ";Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT entry FROM log_entries ORDER BY idx";
        using var reader = command.ExecuteReader();
        var entries = new List<string>();
        while (reader.Read())
        {
            entries.Add(System.Text.Encoding.UTF8.GetString((byte[])reader.GetValue(0)));
        }

        return entries;
    }
}
