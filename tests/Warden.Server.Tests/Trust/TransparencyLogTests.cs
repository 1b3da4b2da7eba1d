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
        var keys = await ReceiptWire.LogKeysAsync(server);
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
        var evidence = ReadInclusion(proofJson, keys);
        var checks = LogVerifier.VerifyInclusion(LogEntry.ReceiptLeafHash(jws), evidence);
        Assert.All(checks, c => Assert.True(c.Passed, c.Name + ": " + c.Detail));
        Assert.Contains(checks, c => c.Name == "log_inclusion");

        // Someone else's leaf at the same index does not verify.
        var wrong = LogVerifier.VerifyInclusion(LogEntry.ReceiptLeafHash(jws + "x"), evidence);
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
        string logKey = (await server.Http.GetStringAsync(".well-known/warden/log.vkey")).Trim();
        string state = Path.Combine(folder.Path, "verify-state.json");

        var (exit, output) = await CliTests.RunAsync("verify", "--receipt", receiptFile, "--jwks", jwksFile, "--inclusion-proof", proofFile, "--log-key", logKey, "--state", state);
        Assert.Equal(0, exit);
        Assert.Contains("PASS log_inclusion", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("verify", "--receipt", receiptFile, "--server", server.Url.ToString(), "--log", "--state", state);
        Assert.Equal(0, exit);
        Assert.Contains("PASS log_inclusion", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("verify", "consistency", "--old", oldFile, "--new", newFile, "--log-key", logKey, "--proof", consistencyFile, "--no-pin");
        Assert.Equal(0, exit);
        Assert.Contains("PASS consistency", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("verify", "consistency", "--old", oldFile, "--new", newFile, "--server", server.Url.ToString(), "--state", state);
        Assert.Equal(0, exit);
        Assert.Contains("RESULT: PASS", output, StringComparison.Ordinal);

        // A checkpoint whose root was changed fails its signature; a proof for other sizes fails consistency.
        (exit, output) = await CliTests.RunAsync("verify", "consistency", "--old", newFile, "--new", oldFile, "--log-key", logKey, "--proof", consistencyFile, "--state", state);
        Assert.Equal(1, exit);
        Assert.Contains("FAIL consistency", output, StringComparison.Ordinal);

        string forged = await server.Http.GetStringAsync($"v1/transparency/proof/inclusion?index=0&size={to}");
        await File.WriteAllTextAsync(proofFile, forged);
        (exit, output) = await CliTests.RunAsync("verify", "--receipt", receiptFile, "--jwks", jwksFile, "--inclusion-proof", proofFile, "--log-key", logKey, "--state", state);
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

    [Fact]
    public async Task AReceiptsEntryIsFoundByRequestIdWithItsLeafHash_AConfigurationEntryByItsLeafHashAlone()
    {
        await using var server = await WardenTestServer.StartAsync();
        var (request, _) = ReceiptWire.Build("chat", server.DemoKey, stream: false);
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string jws = Assert.Single(response.Headers.GetValues("Warden-Receipt"));
        string requestId = Assert.Single(response.Headers.GetValues("x-request-id"));
        string leaf = Convert.ToHexStringLower(LogEntry.ReceiptLeafHash(jws));
        await server.FlushUsageAsync();

        // Leaf hash and request id: the receipt's entry (no key needed; the stored entry's leaf hash is checked).
        using var found = await server.Http.GetAsync($"v1/transparency/proof/inclusion?leaf_hash={leaf}&request_id={requestId}");
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        using var json = JsonDocument.Parse(await found.Content.ReadAsByteArrayAsync());
        Assert.Equal(leaf, json.RootElement.GetProperty("leaf_hash").GetString());
        long receiptIndex = json.RootElement.GetProperty("leaf_index").GetInt64();

        // The same request id with another leaf hash, or a receipt's leaf hash alone, finds nothing.
        string other = Convert.ToHexStringLower(LogEntry.ReceiptLeafHash(jws + "x"));
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync($"v1/transparency/proof/inclusion?leaf_hash={other}&request_id={requestId}")).StatusCode);
        using var alone = await server.Http.GetAsync($"v1/transparency/proof/inclusion?leaf_hash={leaf}");
        Assert.Equal(HttpStatusCode.NotFound, alone.StatusCode);
        Assert.Contains("request_id", await alone.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A configuration entry (a channel added) is found by its leaf hash alone.
        server.AddChannel("looked-up-channel", new Uri("http://127.0.0.1:9/"), "sk-unused", "sim-looked-up");
        long configIndex = await LastIndexAsync(server);
        Assert.NotEqual(receiptIndex, configIndex);
        using var byIndex = JsonDocument.Parse(await server.Http.GetByteArrayAsync($"v1/transparency/proof/inclusion?index={configIndex}"));
        string configLeaf = byIndex.RootElement.GetProperty("leaf_hash").GetString()!;
        using var byLeaf = JsonDocument.Parse(await server.Http.GetByteArrayAsync($"v1/transparency/proof/inclusion?leaf_hash={configLeaf}"));
        Assert.Equal(configIndex, byLeaf.RootElement.GetProperty("leaf_index").GetInt64());
    }

    [Fact]
    public async Task ReceiptsStoredBeforeTheLogIndexMigration_GetTheirEntrysIndex_AndTheLeafHashIndexIsDropped()
    {
        using var folder = new TempDirectory();
        string requestId;
        string jws;
        string key;
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            key = server.DemoKey;
            var (request, _) = ReceiptWire.Build("chat", key, stream: false);
            using var response = await server.Http.SendAsync(request);
            jws = Assert.Single(response.Headers.GetValues("Warden-Receipt"));
            requestId = Assert.Single(response.Headers.GetValues("x-request-id"));
            await server.FlushUsageAsync();
        }

        string database = Path.Combine(folder.Path, DataFolder.DatabaseFileName);
        long logged;
        using (var connection = new SqliteConnection("Data Source=" + database))
        {
            connection.Open();
            Assert.Equal(0L, Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'log_entries_leaf'"));
            logged = (long)Scalar(connection, $"SELECT log_idx FROM receipts WHERE request_id = '{requestId}'")!;

            // The state a database had before migration 0007 ran: no index stored with the receipt, the old index there.
            Execute(connection, "UPDATE receipts SET log_idx = NULL; CREATE INDEX log_entries_leaf ON log_entries (leaf_hash)");
        }

        SqliteConnection.ClearAllPools();
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            using var get = new HttpRequestMessage(HttpMethod.Get, "v1/transparency/proof/inclusion?receipt=" + requestId);
            get.Headers.Authorization = new("Bearer", key);
            using var proof = await server.Http.SendAsync(get);
            Assert.Equal(HttpStatusCode.OK, proof.StatusCode);
            using var json = JsonDocument.Parse(await proof.Content.ReadAsByteArrayAsync());
            Assert.Equal(logged, json.RootElement.GetProperty("leaf_index").GetInt64());
            Assert.Equal(Convert.ToHexStringLower(LogEntry.ReceiptLeafHash(jws)), json.RootElement.GetProperty("leaf_hash").GetString());
        }

        SqliteConnection.ClearAllPools();
        using (var connection = new SqliteConnection("Data Source=" + database))
        {
            connection.Open();
            Assert.Equal(logged, Scalar(connection, $"SELECT log_idx FROM receipts WHERE request_id = '{requestId}'"));
            Assert.Equal(0L, Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'log_entries_leaf'"));
        }
    }

    [Fact]
    public async Task ALeafHashChangedInTheFileWhileServing_GetsAnIntegrityError_NotAProof_AndIsLoggedAsCritical()
    {
        // Blocks of 4 entries: the running log keeps only the roots of older blocks and reads their leaf hashes back.
        await using var server = await WardenTestServer.StartAsync(o => o with { TransparencyLogResidentLevel = 2 });
        for (int i = 0; await LastIndexAsync(server) < 14; i++)
        {
            server.AddChannel($"logged-{i}", new Uri("http://127.0.0.1:9/"), "sk-unused", $"sim-logged-{i}");
        }

        long size = await LastIndexAsync(server) + 1;
        using (var before = await server.Http.GetAsync("v1/transparency/proof/inclusion?index=5"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        // Block 2 (entries 8 to 11) is read last, so block 1 is not the one kept from the request above.
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("v1/transparency/proof/inclusion?index=9")).StatusCode);
        using (var connection = new SqliteConnection("Data Source=" + Path.Combine(server.DataDirectory, DataFolder.DatabaseFileName)))
        {
            connection.Open();
            Execute(connection, "DROP TRIGGER log_entries_no_update");
            using var update = connection.CreateCommand();
            update.CommandText = "UPDATE log_entries SET leaf_hash = $h WHERE idx = 6";
            update.Parameters.AddWithValue("$h", MerkleHash.Leaf([0xFF]));
            Assert.Equal(1, update.ExecuteNonQuery());
        }

        using var refused = await server.Http.GetAsync("v1/transparency/proof/inclusion?index=5");
        Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
        using (var error = JsonDocument.Parse(await refused.Content.ReadAsByteArrayAsync()))
        {
            Assert.Equal("log_integrity_failure", error.RootElement.GetProperty("error").GetProperty("code").GetString());
            Assert.Contains("entries 4 to 7", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.True(refused.Headers.Contains("x-request-id"));
        using var consistency = await server.Http.GetAsync($"v1/transparency/proof/consistency?from=6&to={size}");
        Assert.Equal(HttpStatusCode.InternalServerError, consistency.StatusCode);
        Assert.Contains(server.Logs.Lines, line => line.Contains("does not match the tree Warden signed", StringComparison.Ordinal) && line.Contains("entries 4 to 7", StringComparison.Ordinal));

        // Entries in blocks nobody changed still prove.
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("v1/transparency/proof/inclusion?index=1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("v1/transparency/proof/inclusion?index=13")).StatusCode);
    }

    private static async Task<long> LastIndexAsync(WardenTestServer server)
    {
        string signed = await server.Http.GetStringAsync("v1/transparency/checkpoint");
        return SignedCheckpoint.Verify(signed, await ReceiptWire.LogKeysAsync(server)).Checkpoint!.TreeSize - 1;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    internal static LogInclusionEvidence ReadInclusion(byte[] json, IReadOnlyCollection<NoteVerifier> keys)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new LogInclusionEvidence(root.GetProperty("leaf_index").GetInt64(), ReadProof(json), root.GetProperty("checkpoint").GetString()!, keys);
    }

    internal static List<byte[]> ReadProof(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("proof").EnumerateArray().Select(e => Convert.FromBase64String(e.GetString()!))];
    }
}
