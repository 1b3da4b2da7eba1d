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

    [Fact]
    public async Task AnInstallFromBeforeSignedNotes_StartsAfterTheUpgrade_AndPicksAndLogsAnOrigin()
    {
        using var folder = new TempDirectory();
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            await server.Http.GetStringAsync("v1/transparency/checkpoint");
        }

        // Rewind the folder to its state before signed notes: no log identity, a checkpoint signed the old way
        // ("— <kid> <base64 ES256>", origin warden/transparency-log) with the receipt key. Then the same with a wrong root.
        string legacy = RewindToLegacy(folder.Path, tamper: false);
        int originsBefore = LogEntries(folder.Path).Count(e => e.Contains("\"action\":\"log.origin\"", StringComparison.Ordinal));
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            string checkpoint = await server.Http.GetStringAsync("v1/transparency/checkpoint");
            Assert.NotEqual(legacy, checkpoint);
            var vkey = SpecNoteVerifier.ParseVkey(await server.Http.GetStringAsync(".well-known/warden/log.vkey"));
            Assert.True(SpecNoteVerifier.VerifyNote(checkpoint, vkey));
            Assert.StartsWith(vkey.Name + "\n", checkpoint, StringComparison.Ordinal);
        }

        Assert.Equal(originsBefore + 1, LogEntries(folder.Path).Count(e => e.Contains("\"action\":\"log.origin\"", StringComparison.Ordinal)));

        RewindToLegacy(folder.Path, tamper: true);
        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => WardenTestServer.StartAsync(dataDirectory: folder.Path));
        Assert.Contains("does not match its last signed checkpoint", refused.Message, StringComparison.Ordinal);
    }

    private static string RewindToLegacy(string dataDirectory, bool tamper)
    {
        var folder = DataFolder.Open(dataDirectory, masterKeyFromEnvironment: null, TimeProvider.System);
        var ring = new Warden.Server.Trust.SigningKeyStore(folder.Database, folder.Ring, TimeProvider.System).LoadOrCreate();
        var tree = new Core.Trust.MerkleTree();
        foreach (string entry in LogEntries(dataDirectory))
        {
            tree.Append(System.Text.Encoding.UTF8.GetBytes(entry));
        }

        byte[] root = tamper ? new byte[32] : tree.RootHash();
        string body = $"warden/transparency-log\n{tree.Size}\n{Convert.ToBase64String(root)}\ntimestamp 1795327549123\n";
        string signed = body + "\n\u2014 " + ring.Current.KeyId + " " + Convert.ToBase64String(ring.Current.Sign(System.Text.Encoding.UTF8.GetBytes(body))) + "\n";
        using var connection = new SqliteConnection("Data Source=" + Path.Combine(dataDirectory, DataFolder.DatabaseFileName) + ";Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            DELETE FROM log_identity; DELETE FROM secrets WHERE name = 'log-note-key'; DELETE FROM log_checkpoints;
            INSERT INTO log_checkpoints (tree_size, signed, created_at) VALUES ($size, $signed, '2026-12-01T00:00:00.000Z');
            """;
        command.Parameters.AddWithValue("$size", tree.Size);
        command.Parameters.AddWithValue("$signed", signed);
        command.ExecuteNonQuery();
        return signed;
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
