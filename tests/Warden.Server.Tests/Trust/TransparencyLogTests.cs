using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Warden.Core.Trust;
using Warden.Server.Hosting;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Trust;

/// <summary>
/// The transparency log through a real Warden: a relayed request's receipt is included under a signed checkpoint,
/// later checkpoints extend earlier ones, configuration changes are logged without credentials, the table is
/// append-only, a tampered log stops the next start, and <c>warden verify</c> checks inclusion and consistency.
/// </summary>
public sealed class TransparencyLogTests
{
    [Fact]
    public async Task Receipt_IsIncluded_ChannelAddIsLogged_AndCheckpointsAreConsistent_ByHandAndByCli()
    {
        await using var server = await WardenTestServer.StartAsync();
        using var folder = new TempDirectory();
        var keys = await ReceiptWire.JwksAsync(server);
        string before = await server.Http.GetStringAsync("v1/transparency/checkpoint");
        Assert.True(SignedCheckpoint.Verify(before, keys).IsValid);

        var (request, _) = ReceiptWire.Build("chat", server.DemoKey, stream: true);
        using var response = await server.Http.SendAsync(request);
        var (_, jws) = ReceiptWire.SplitTrailer(await response.Content.ReadAsByteArrayAsync());
        string requestId = Assert.Single(response.Headers.GetValues("x-request-id"));

        using var get = new HttpRequestMessage(HttpMethod.Get, "v1/transparency/proof/inclusion?receipt=" + requestId);
        get.Headers.Authorization = new("Bearer", server.DemoKey);
        using var proofResponse = await server.Http.SendAsync(get);
        Assert.Equal(HttpStatusCode.OK, proofResponse.StatusCode);
        byte[] proofJson = await proofResponse.Content.ReadAsByteArrayAsync();
        var evidence = ReadInclusion(proofJson);
        var checks = LogVerifier.VerifyInclusion(LogEntry.ReceiptLeafHash(jws), evidence, keys);
        Assert.All(checks, c => Assert.True(c.Passed, c.Name + ": " + c.Detail));
        Assert.Contains(checks, c => c.Name == "log_inclusion");

        // Someone else's leaf at the same index does not verify.
        var wrong = LogVerifier.VerifyInclusion(LogEntry.ReceiptLeafHash(jws + "x"), evidence, keys);
        Assert.Contains(wrong, c => c.Name == "log_inclusion" && !c.Passed);

        // A channel added by configuration is logged (with no credential) before it routes.
        server.AddChannel("logged-channel", new Uri("http://127.0.0.1:9/"), "sk-very-secret-credential", "sim-logged");
        string after = await server.Http.GetStringAsync("v1/transparency/checkpoint");
        using var entriesRequest = new HttpRequestMessage(HttpMethod.Get, "v1/transparency/entries?start=0");
        entriesRequest.Headers.Authorization = new("Bearer", server.DemoKey);
        string entries = await (await server.Http.SendAsync(entriesRequest)).Content.ReadAsStringAsync();
        Assert.Contains("\\\"action\\\":\\\"channel.add\\\",\\\"subject\\\":\\\"logged-channel\\\"", entries, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-very-secret-credential", entries, StringComparison.Ordinal);
        using (var anonymous = new HttpRequestMessage(HttpMethod.Get, "v1/transparency/entries"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http.SendAsync(anonymous)).StatusCode);
        }

        long from = SignedCheckpoint.Verify(before, keys).Checkpoint!.TreeSize;
        long to = SignedCheckpoint.Verify(after, keys).Checkpoint!.TreeSize;
        Assert.True(to >= from + 2, $"the receipt and the channel add are both new entries ({from} → {to})");
        byte[] consistencyJson = await server.Http.GetByteArrayAsync($"v1/transparency/proof/consistency?from={from}&to={to}");
        var report = LogVerifier.VerifyConsistency(before, after, ReadProof(consistencyJson), keys);
        Assert.True(report.Checks.All(c => c.Passed), string.Join("; ", report.Checks.Select(c => c.Name + ": " + c.Detail)));

        // The CLI: inclusion from a saved proof, consistency from saved checkpoints, and failures on swapped inputs.
        string receiptFile = Path.Combine(folder.Path, "receipt.jws");
        string jwksFile = Path.Combine(folder.Path, "jwks.json");
        string proofFile = Path.Combine(folder.Path, "inclusion.json");
        string oldFile = Path.Combine(folder.Path, "old.checkpoint");
        string newFile = Path.Combine(folder.Path, "new.checkpoint");
        string consistencyFile = Path.Combine(folder.Path, "consistency.json");
        await File.WriteAllTextAsync(receiptFile, jws);
        await File.WriteAllBytesAsync(jwksFile, await server.Http.GetByteArrayAsync(".well-known/warden/jwks.json"));
        await File.WriteAllBytesAsync(proofFile, proofJson);
        await File.WriteAllTextAsync(oldFile, before);
        await File.WriteAllTextAsync(newFile, after);
        await File.WriteAllBytesAsync(consistencyFile, consistencyJson);

        var (exit, output) = await CliTests.RunAsync("verify", "--receipt", receiptFile, "--jwks", jwksFile, "--inclusion-proof", proofFile);
        Assert.Equal(0, exit);
        Assert.Contains("PASS log_inclusion", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("verify", "--receipt", receiptFile, "--server", server.Url.ToString(), "--log");
        Assert.Equal(0, exit);
        Assert.Contains("PASS log_inclusion", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("verify", "consistency", "--old", oldFile, "--new", newFile, "--jwks", jwksFile, "--proof", consistencyFile);
        Assert.Equal(0, exit);
        Assert.Contains("PASS consistency", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("verify", "consistency", "--old", oldFile, "--new", newFile, "--server", server.Url.ToString());
        Assert.Equal(0, exit);
        Assert.Contains("RESULT: PASS", output, StringComparison.Ordinal);

        // A checkpoint whose root was changed fails its signature; a proof for other sizes fails consistency.
        (exit, output) = await CliTests.RunAsync("verify", "consistency", "--old", newFile, "--new", oldFile, "--jwks", jwksFile, "--proof", consistencyFile);
        Assert.Equal(1, exit);
        Assert.Contains("FAIL consistency", output, StringComparison.Ordinal);

        string forged = await server.Http.GetStringAsync($"v1/transparency/proof/inclusion?index=0&size={to}");
        await File.WriteAllTextAsync(proofFile, forged);
        (exit, output) = await CliTests.RunAsync("verify", "--receipt", receiptFile, "--jwks", jwksFile, "--inclusion-proof", proofFile);
        Assert.Equal(1, exit);
        Assert.Contains("FAIL log_inclusion", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogEntries_AreAppendOnly_AndATamperedLogStopsTheNextStart()
    {
        using var folder = new TempDirectory();
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            var (request, _) = ReceiptWire.Build("chat", server.DemoKey, stream: false);
            using var response = await server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await server.FlushUsageAsync();
            await server.Http.GetStringAsync("v1/transparency/checkpoint");
        }

        string database = Path.Combine(folder.Path, DataFolder.DatabaseFileName);
        using (var connection = new SqliteConnection("Data Source=" + database))
        {
            connection.Open();
            Assert.Equal(19, Assert.Throws<SqliteException>(() => Execute(connection, "UPDATE log_entries SET entry = x'00' WHERE idx = 0")).SqliteErrorCode);
            Assert.Equal(19, Assert.Throws<SqliteException>(() => Execute(connection, "DELETE FROM log_entries WHERE idx = 0")).SqliteErrorCode);

            // An attacker with the file drops the triggers and rewrites an entry and its leaf hash consistently.
            Execute(connection, "DROP TRIGGER log_entries_no_update");
            byte[] forged = """{"type":"config","action":"channel.add","subject":"forged","at":"2026-01-01T00:00:00.000Z","by":"cli"}"""u8.ToArray();
            using var update = connection.CreateCommand();
            update.CommandText = "UPDATE log_entries SET entry = $e, leaf_hash = $h WHERE idx = 0";
            update.Parameters.AddWithValue("$e", forged);
            update.Parameters.AddWithValue("$h", MerkleHash.Leaf(forged));
            Assert.Equal(1, update.ExecuteNonQuery());
        }

        SqliteConnection.ClearAllPools();
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => WardenTestServer.StartAsync(dataDirectory: folder.Path));
        Assert.Contains("the transparency log does not match its last signed checkpoint", error.Message, StringComparison.Ordinal);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static LogInclusionEvidence ReadInclusion(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new LogInclusionEvidence(root.GetProperty("leaf_index").GetInt64(), ReadProof(json), root.GetProperty("checkpoint").GetString()!);
    }

    private static List<byte[]> ReadProof(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("proof").EnumerateArray().Select(e => Convert.FromBase64String(e.GetString()!))];
    }
}
