using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Warden.Core.Trust;
using Warden.Server.Hosting;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;
using Warden.Server.Trust;
using Warden.Server.Witness;

namespace Warden.Server.Tests.Trust;

/// <summary>
/// <c>warden witness</c> (C2SP tlog-witness) on its own and following a Warden log: the status codes of
/// add-checkpoint, cosignatures checked with the verifier written from the specification, a log rewritten after a
/// cosignature refused, and <c>warden verify --witnesses k</c>.
/// </summary>
public sealed class WitnessTests
{
    private const string Origin = "log.test/one";

    [Fact]
    public async Task AddCheckpoint_CosignsConsistentCheckpoints_AndAnswersTheSpecStatusCodesOtherwise()
    {
        using var folder = new TempDirectory();
        using var logKey = NoteSigningKey.Generate(Origin, NoteVerifier.Ed25519Type);
        using var impostor = NoteSigningKey.Generate(Origin, NoteVerifier.Ed25519Type);
        var tree = Tree("a", 8);
        var rewritten = Tree("b", 8);
        string At(MerkleTree t, long size, NoteSigningKey? key = null) => SignedCheckpoint.Sign(new Checkpoint(Origin, size, t.RootHash(size)), key ?? logKey);

        await using (var witness = await StartWitnessAsync(folder.Path, [logKey.Verifier]))
        {
            using var http = Client(witness.Url);
            var spec = SpecNoteVerifier.ParseVkey(witness.Key.ToVkey());
            Assert.Equal(0x04, spec.Type);

            Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(http, "not a request")).Status);
            string unknown = SignedCheckpoint.Sign(new Checkpoint("other.test/log", 5, tree.RootHash(5)), logKey);
            Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(http, new AddCheckpointRequest(0, [], unknown).ToBody())).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(http, new AddCheckpointRequest(0, [], At(tree, 5, impostor)).ToBody())).Status);
            Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(http, new AddCheckpointRequest(6, [], At(tree, 5)).ToBody())).Status);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PostAsync(http, new AddCheckpointRequest(0, [tree.RootHash(1)], At(tree, 5)).ToBody())).Status);

            // The first checkpoint needs no proof; the answer is a cosignature line that the spec's verifier accepts.
            var first = await PostAsync(http, new AddCheckpointRequest(0, [], At(tree, 5)).ToBody());
            Assert.Equal(HttpStatusCode.OK, first.Status);
            Assert.StartsWith("\u2014 witness.test/w1 ", first.Body, StringComparison.Ordinal);
            Assert.True(SpecNoteVerifier.VerifyCosignature(At(tree, 5) + first.Body, spec));
            Assert.False(SpecNoteVerifier.VerifyCosignature(At(tree, 6) + first.Body, spec));

            // A client with a stale old size learns the witness's size.
            var conflict = await PostAsync(http, new AddCheckpointRequest(0, [], At(tree, 6)).ToBody());
            Assert.Equal((HttpStatusCode.Conflict, "5\n", "text/x.tlog.size"), (conflict.Status, conflict.Body, conflict.ContentType));

            // Going backwards, the same size with another root, and a rewritten history are refused.
            Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(http, new AddCheckpointRequest(5, [], At(tree, 3)).ToBody())).Status);
            Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(http, new AddCheckpointRequest(3, tree.ConsistencyProof(3, 4), At(tree, 4)).ToBody())).Status);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PostAsync(http, new AddCheckpointRequest(5, [], At(rewritten, 5)).ToBody())).Status);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PostAsync(http, new AddCheckpointRequest(5, rewritten.ConsistencyProof(5, 8), At(rewritten, 8)).ToBody())).Status);

            var next = await PostAsync(http, new AddCheckpointRequest(5, tree.ConsistencyProof(5, 8), At(tree, 8)).ToBody());
            Assert.Equal(HttpStatusCode.OK, next.Status);
            Assert.True(SpecNoteVerifier.VerifyCosignature(At(tree, 8) + next.Body, spec));

            // Monitoring: the latest cosigned checkpoint with the log's signature and the witness's.
            string monitored = await http.GetStringAsync(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Origin))) + "/checkpoint");
            Assert.StartsWith(At(tree, 8), monitored, StringComparison.Ordinal);
            Assert.True(SpecNoteVerifier.VerifyCosignature(monitored, spec));
        }

        // `warden witness` without a log to follow, or with a key that is not a log's, is wrong usage.
        Assert.Equal(2, (await CliTests.RunAsync("witness", "--data", folder.Path)).Exit);
        Assert.Equal(2, (await CliTests.RunAsync("witness", "--data", folder.Path, "--log", "not-a-vkey")).Exit);
        using (var cosigner = NoteSigningKey.Generate("witness.test/w9", NoteVerifier.CosignatureType))
        {
            Assert.Equal(2, (await CliTests.RunAsync("witness", "--data", folder.Path, "--log", cosigner.Verifier.ToVkey())).Exit);
        }

        // The state survives a restart.
        await using (var witness = await StartWitnessAsync(folder.Path, [logKey.Verifier]))
        {
            using var http = Client(witness.Url);
            var conflict = await PostAsync(http, new AddCheckpointRequest(0, [], At(tree, 8)).ToBody());
            Assert.Equal((HttpStatusCode.Conflict, "8\n"), (conflict.Status, conflict.Body));
        }
    }

    [Fact]
    public async Task TwoInstances_OneWitnessesTheOther_VerifyNeedsKCosignatures_AndARewrittenLogIsRefused()
    {
        using var folder = new TempDirectory();
        using var witnessFolder = new TempDirectory();
        using var state = new TempDirectory();
        string vkey;
        string demoKey;
        await using (var first = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            demoKey = first.DemoKey;
            vkey = (await first.Http.GetStringAsync(".well-known/warden/log.vkey")).Trim();
        }

        Assert.True(NoteVerifier.TryParse(vkey, out var logKey, out _));
        await using var witness = await StartWitnessAsync(witnessFolder.Path, [logKey!]);
        string witnessKey = witness.Key.ToVkey();
        using var stranger = NoteSigningKey.Generate("witness.test/w2", NoteVerifier.CosignatureType);
        string strangerKey = stranger.Verifier.ToVkey();
        string receiptFile = Path.Combine(state.Path, "receipt.json");
        string stateFile = Path.Combine(state.Path, "verify-state.json");
        long witnessed;
        await using (var server = await WardenTestServer.StartAsync(o => o with { Witnesses = [new WitnessEndpoint(witness.Url, witness.Key)] }, folder.Path))
        {
            string id = await ChatAsync(server, demoKey);
            await server.FlushUsageAsync();
            await server.App.Services.GetRequiredService<WitnessSubmitter>().SubmitOnceAsync(CancellationToken.None);

            string cosigned = await server.Http.GetStringAsync("v1/transparency/checkpoint?cosignatures=1");
            Assert.True(SpecNoteVerifier.VerifyNote(cosigned, SpecNoteVerifier.ParseVkey(vkey)));
            Assert.True(SpecNoteVerifier.VerifyCosignature(cosigned, SpecNoteVerifier.ParseVkey(witnessKey)));
            witnessed = long.Parse(cosigned.Split('\n')[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(cosigned, await server.Http.GetStringAsync("v1/transparency/checkpoint"));

            await File.WriteAllBytesAsync(receiptFile, await StoredReceiptAsync(server, demoKey, id));
            string url = server.Url.ToString();
            var (exit, output) = await CliTests.RunAsync("verify", "--receipt", receiptFile, "--server", url, "--log",
                "--witnesses", "1", "--witness-key", witnessKey, "--state", stateFile);
            Assert.True(exit == 0, output);
            Assert.Contains("PASS witnesses", output, StringComparison.Ordinal);
            Assert.Contains("PASS log_inclusion", output, StringComparison.Ordinal);
            Assert.Contains("PASS request_id", output, StringComparison.Ordinal);

            // Two required, one of them a witness that never cosigned: FAIL, exit 1; likewise trusting only that one.
            (exit, output) = await CliTests.RunAsync("verify", "--receipt", receiptFile, "--server", url, "--log",
                "--witnesses", "2", "--witness-key", witnessKey, "--witness-key", strangerKey, "--state", stateFile);
            Assert.Equal(1, exit);
            Assert.Contains("FAIL witnesses", output, StringComparison.Ordinal);
            (exit, output) = await CliTests.RunAsync("verify", "--receipt", receiptFile, "--server", url, "--log",
                "--witnesses", "1", "--witness-key", strangerKey, "--state", stateFile);
            Assert.Equal(1, exit);
            Assert.Contains("FAIL witnesses", output, StringComparison.Ordinal);

            // More witnesses required than keys given is wrong usage.
            (exit, _) = await CliTests.RunAsync("verify", "--receipt", receiptFile, "--server", url, "--log", "--witnesses", "2", "--witness-key", witnessKey);
            Assert.Equal(2, exit);
        }

        // The operator rewrites the last witnessed entry, deletes the checkpoints and cosignatures, and restarts.
        RewriteFrom(folder.Path, witnessed - 1, count: 3);
        await using (var server = await WardenTestServer.StartAsync(o => o with { Witnesses = [new WitnessEndpoint(witness.Url, witness.Key)] }, folder.Path))
        {
            await server.App.Services.GetRequiredService<WitnessSubmitter>().SubmitOnceAsync(CancellationToken.None);
            Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync("v1/transparency/checkpoint?cosignatures=1")).StatusCode);

            // The witness still stands by the history it cosigned.
            using var http = Client(witness.Url);
            string monitored = await http.GetStringAsync(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(logKey!.Name))) + "/checkpoint");
            Assert.Equal(witnessed.ToString(System.Globalization.CultureInfo.InvariantCulture), monitored.Split('\n')[1]);

            var (exit, output) = await CliTests.RunAsync("verify", "--receipt", receiptFile, "--server", server.Url.ToString(), "--log",
                "--witnesses", "1", "--witness-key", witnessKey, "--state", stateFile);
            Assert.Equal(1, exit);
            Assert.Contains("FAIL witnesses", output, StringComparison.Ordinal);
        }
    }

    internal static async Task<WitnessHost> StartWitnessAsync(string folder, IReadOnlyList<NoteVerifier> logs) =>
        await WitnessHost.StartAsync(new WitnessOptions { DataDirectory = folder, Name = "witness.test/w1", Logs = logs, Port = 0, ConsoleLogging = false }, CancellationToken.None);

    internal static async Task<string> ChatAsync(WardenTestServer server, string key)
    {
        using var response = await server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-small", "hi")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(response.Headers.GetValues("x-request-id"));
    }

    internal static async Task<byte[]> StoredReceiptAsync(WardenTestServer server, string key, string id)
    {
        using var get = new HttpRequestMessage(HttpMethod.Get, "v1/receipts/" + id);
        get.Headers.Authorization = new("Bearer", key);
        using var response = await server.Http.SendAsync(get);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>The index of the log's first receipt entry: the configuration entries before it stay, so the tables still match the log.</summary>
    internal static long FirstReceiptIndex(string dataDirectory)
    {
        using var connection = new SqliteConnection("Data Source=" + Path.Combine(dataDirectory, DataFolder.DatabaseFileName) + ";Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(idx) FROM log_entries WHERE kind = 'receipt'";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>
    /// What a dishonest operator does with the stopped server's file: removes the append-only triggers, deletes the
    /// entries from <paramref name="from"/> on, every checkpoint and cosignature, and writes <paramref name="count"/>
    /// entries of its own (with correct leaf hashes) in their place.
    /// </summary>
    internal static void RewriteFrom(string dataDirectory, long from, int count)
    {
        using var connection = new SqliteConnection("Data Source=" + Path.Combine(dataDirectory, DataFolder.DatabaseFileName) + ";Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            DROP TRIGGER IF EXISTS log_entries_no_update; DROP TRIGGER IF EXISTS log_entries_no_delete;
            DELETE FROM log_entries WHERE idx >= $from; DELETE FROM log_checkpoints; DELETE FROM log_cosignatures;
            """;
        command.Parameters.AddWithValue("$from", from);
        command.ExecuteNonQuery();
        for (int i = 0; i < count; i++)
        {
            byte[] entry = Encoding.UTF8.GetBytes($"receipt {new string('0', 63)}{i}\n");
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO log_entries (idx, kind, leaf_hash, entry, created_at) VALUES ($idx, 'receipt', $leaf, $entry, '2026-12-07T00:00:00.000Z')";
            insert.Parameters.AddWithValue("$idx", from + i);
            insert.Parameters.AddWithValue("$leaf", MerkleHash.Leaf(entry));
            insert.Parameters.AddWithValue("$entry", entry);
            insert.ExecuteNonQuery();
        }
    }

#pragma warning disable RS0030 // Tests are clients, not Warden: a plain HttpClient is what a log operator's script would use.
    private static HttpClient Client(Uri url) => new() { BaseAddress = url };
#pragma warning restore RS0030

    private static MerkleTree Tree(string prefix, int size)
    {
        var tree = new MerkleTree();
        for (int i = 0; i < size; i++)
        {
            tree.Append(Encoding.UTF8.GetBytes($"{prefix} {i}\n"));
        }

        return tree;
    }

    private static async Task<(HttpStatusCode Status, string Body, string? ContentType)> PostAsync(HttpClient http, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        using var response = await http.PostAsync("add-checkpoint", content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType);
    }
}
