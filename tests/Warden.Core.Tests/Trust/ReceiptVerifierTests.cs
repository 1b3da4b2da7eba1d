using System.Text;
using Warden.Core.Trust;

namespace Warden.Core.Tests.Trust;

public class ReceiptVerifierTests
{
    private const string Origin = "warden.example.com/log";

    private static readonly byte[] ClientBody = Encoding.UTF8.GetBytes("{\"model\":\"claude-opus-4-1\",\"messages\":[{\"role\":\"user\",\"content\":\"filler\"}]}");
    private static readonly byte[] UpstreamBody = Encoding.UTF8.GetBytes("{\"model\":\"claude-opus-4-1-20250805\",\"messages\":[{\"role\":\"user\",\"content\":\"filler\"}]}");
    private static readonly byte[] ResponseBody = Encoding.UTF8.GetBytes("{\"id\":\"msg_1\",\"content\":[{\"type\":\"text\",\"text\":\"filler\"}]}");

    /// <summary>An honest relay: a receipt logged as entry 5 of 11, with a signed checkpoint at size 11.</summary>
    private sealed class HonestRun : IDisposable
    {
        public HonestRun()
        {
            Key = EcSigningKey.Generate();
            Keys = new JsonWebKeySet([Key.PublicKey]);
            Receipt = ReceiptJson.Sign(ReceiptTests.SampleClaims(), Key);
            for (int i = 0; i < 11; i++)
            {
                Tree.Append(i == 5 ? LogEntry.ForReceipt(Receipt) : Encoding.UTF8.GetBytes($"config event {i}\n"));
            }

            Checkpoint = SignedCheckpoint.Sign(new Checkpoint(Origin, 11, Tree.RootHash()), LogKey);
        }

        public EcSigningKey Key { get; }

        public NoteSigningKey LogKey { get; } = NoteSigningKey.Generate(Origin, NoteVerifier.Ed25519Type);

        public IReadOnlyCollection<NoteVerifier> LogKeys => [LogKey.Verifier];

        public JsonWebKeySet Keys { get; }

        public string Receipt { get; }

        public MerkleTree Tree { get; } = new();

        public string Checkpoint { get; }

        public ReceiptEvidence Evidence(byte[]? client = null, byte[]? upstream = null, byte[]? response = null, string? checkpoint = null, IReadOnlyList<byte[]>? proof = null, long index = 5) => new()
        {
            ClientRequestBody = client ?? ClientBody,
            UpstreamRequestBody = upstream ?? UpstreamBody,
            ResponseBody = response ?? ResponseBody,
            Inclusion = new LogInclusionEvidence(index, proof ?? Tree.InclusionProof(5, 11), checkpoint ?? Checkpoint, LogKeys),
        };

        public void Dispose()
        {
            Key.Dispose();
            LogKey.Dispose();
        }
    }

    [Fact]
    public void An_honest_run_passes_every_check()
    {
        using var run = new HonestRun();
        VerificationReport report = ReceiptVerifier.Verify(run.Receipt, run.Keys, run.Evidence());
        Assert.True(report.AllPassed, string.Join("; ", report.Checks.Where(c => !c.Passed).Select(c => c.Name + ": " + c.Detail)));
        Assert.Equal(
            ["format", "kid_known", "signature", "claims", "request_hash", "upstream_request_hash", "response_hash", "checkpoint_signature", "log_inclusion"],
            report.Checks.Select(c => c.Name));
        Assert.Equal("req_01", report.Claims!.RequestId);
    }

    [Fact]
    public void Without_evidence_only_the_receipt_itself_is_checked()
    {
        using var run = new HonestRun();
        VerificationReport report = ReceiptVerifier.Verify(run.Receipt, run.Keys);
        Assert.True(report.AllPassed);
        Assert.Equal(["format", "kid_known", "signature", "claims"], report.Checks.Select(c => c.Name));
    }

    [Fact]
    public void Changing_any_character_of_the_receipt_fails()
    {
        using var run = new HonestRun();
        for (int i = 0; i < run.Receipt.Length; i++)
        {
            char replacement = run.Receipt[i] == 'A' ? 'B' : 'A';
            string tampered = string.Concat(run.Receipt.AsSpan(0, i), replacement.ToString(), run.Receipt.AsSpan(i + 1));
            Assert.False(ReceiptVerifier.Verify(tampered, run.Keys).AllPassed, $"position {i}");
        }
    }

    [Theory]
    [InlineData("request_hash")]
    [InlineData("upstream_request_hash")]
    [InlineData("response_hash")]
    public void Changing_any_byte_of_a_kept_body_fails_its_hash_check(string check)
    {
        using var run = new HonestRun();
        byte[] original = check switch
        {
            "request_hash" => ClientBody,
            "upstream_request_hash" => UpstreamBody,
            _ => ResponseBody,
        };
        for (int i = 0; i < original.Length; i++)
        {
            byte[] tampered = (byte[])original.Clone();
            tampered[i] ^= 0x20;
            ReceiptEvidence evidence = check switch
            {
                "request_hash" => run.Evidence(client: tampered),
                "upstream_request_hash" => run.Evidence(upstream: tampered),
                _ => run.Evidence(response: tampered),
            };
            VerificationReport report = ReceiptVerifier.Verify(run.Receipt, run.Keys, evidence);
            Assert.False(report.AllPassed);
            Assert.Equal([check], report.Checks.Where(c => !c.Passed).Select(c => c.Name));
        }

        VerificationReport truncated = ReceiptVerifier.Verify(run.Receipt, run.Keys, run.Evidence(response: ResponseBody[..^1]));
        Assert.False(truncated.Checks.Single(c => c.Name == "response_hash").Passed);
    }

    [Fact]
    public void A_receipt_whose_key_is_not_published_fails_kid_known()
    {
        using var run = new HonestRun();
        using EcSigningKey other = EcSigningKey.Generate();
        VerificationReport report = ReceiptVerifier.Verify(run.Receipt, new JsonWebKeySet([other.PublicKey]), run.Evidence());
        Assert.False(report.AllPassed);
        Assert.False(report.Checks.Single(c => c.Name == "kid_known").Passed);
        Assert.Null(report.Claims);
    }

    [Fact]
    public void A_token_of_another_type_fails_claims()
    {
        using var run = new HonestRun();
        string token = CompactJws.Sign(ReceiptJson.ToUtf8(ReceiptTests.SampleClaims()), run.Key, "something-else");
        VerificationReport report = ReceiptVerifier.Verify(token, run.Keys);
        Assert.False(report.Checks.Single(c => c.Name == "claims").Passed);
    }

    [Fact]
    public void Changing_a_log_entry_fails_inclusion()
    {
        using var run = new HonestRun();
        for (int changed = 0; changed < 11; changed++)
        {
            var forged = new MerkleTree();
            for (int i = 0; i < 11; i++)
            {
                byte[] entry = i == 5 ? LogEntry.ForReceipt(run.Receipt) : Encoding.UTF8.GetBytes($"config event {i}\n");
                if (i == changed)
                {
                    entry[^2] ^= 0x01;
                }

                forged.Append(entry);
            }

            // A proof from the changed log against the checkpoint the honest log signed fails, except for the
            // receipt's own entry (its siblings did not change); a checkpoint signed over the changed log does
            // not contain the receipt when its own entry changed. Other rewrites are caught by consistency.
            string forgedCheckpoint = SignedCheckpoint.Sign(new Checkpoint(Origin, 11, forged.RootHash()), run.LogKey);
            string checkpoint = changed == 5 ? forgedCheckpoint : run.Checkpoint;
            VerificationReport report = ReceiptVerifier.Verify(run.Receipt, run.Keys, run.Evidence(proof: forged.InclusionProof(5, 11), checkpoint: checkpoint));
            Assert.True(report.Checks.Single(c => c.Name == "checkpoint_signature").Passed);
            Assert.False(report.Checks.Single(c => c.Name == "log_inclusion").Passed, $"entry {changed}");
        }
    }

    [Fact]
    public void A_wrong_index_or_a_flipped_proof_byte_fails_inclusion()
    {
        using var run = new HonestRun();
        Assert.False(ReceiptVerifier.Verify(run.Receipt, run.Keys, run.Evidence(index: 4)).AllPassed);
        IReadOnlyList<byte[]> proof = run.Tree.InclusionProof(5, 11);
        for (int e = 0; e < proof.Count; e++)
        {
            List<byte[]> tampered = [.. proof.Select(p => (byte[])p.Clone())];
            tampered[e][7] ^= 0x04;
            Assert.False(ReceiptVerifier.Verify(run.Receipt, run.Keys, run.Evidence(proof: tampered)).AllPassed);
        }
    }

    [Fact]
    public void Changing_any_character_of_the_checkpoint_fails()
    {
        using var run = new HonestRun();
        for (int i = 0; i < run.Checkpoint.Length; i++)
        {
            char replacement = run.Checkpoint[i] == 'A' ? 'B' : 'A';
            string tampered = string.Concat(run.Checkpoint.AsSpan(0, i), replacement.ToString(), run.Checkpoint.AsSpan(i + 1));
            Assert.False(ReceiptVerifier.Verify(run.Receipt, run.Keys, run.Evidence(checkpoint: tampered)).AllPassed, $"position {i}");
        }
    }

    [Fact]
    public void Consistency_between_saved_checkpoints_passes_for_an_append_only_log()
    {
        using var run = new HonestRun();
        string older = run.Checkpoint;
        for (int i = 11; i < 30; i++)
        {
            run.Tree.Append(Encoding.UTF8.GetBytes($"config event {i}\n"));
        }

        string newer = SignedCheckpoint.Sign(new Checkpoint(Origin, 30, run.Tree.RootHash()), run.LogKey);
        VerificationReport report = LogVerifier.VerifyConsistency(older, newer, run.Tree.ConsistencyProof(11, 30), run.LogKeys);
        Assert.True(report.AllPassed, string.Join("; ", report.Checks.Select(c => c.Name + ": " + c.Detail)));
        Assert.Equal(["old_checkpoint_signature", "new_checkpoint_signature", "same_origin", "consistency"], report.Checks.Select(c => c.Name));
    }

    [Fact]
    public void A_rewritten_log_fails_consistency_even_when_the_relay_signs_it()
    {
        using var run = new HonestRun();
        string older = run.Checkpoint;
        var rewritten = new MerkleTree();
        for (int i = 0; i < 30; i++)
        {
            rewritten.Append(Encoding.UTF8.GetBytes(i == 5 ? "receipt removed\n" : $"config event {i}\n"));
        }

        string newer = SignedCheckpoint.Sign(new Checkpoint(Origin, 30, rewritten.RootHash()), run.LogKey);
        VerificationReport report = LogVerifier.VerifyConsistency(older, newer, rewritten.ConsistencyProof(11, 30), run.LogKeys);
        Assert.False(report.AllPassed);
        Assert.False(report.Checks.Single(c => c.Name == "consistency").Passed);
    }

    [Fact]
    public void Checkpoints_of_different_logs_or_with_a_tampered_character_fail_consistency()
    {
        using var run = new HonestRun();
        string other = SignedCheckpoint.Sign(new Checkpoint("elsewhere/log", 11, run.Tree.RootHash()), run.LogKey);
        Assert.False(LogVerifier.VerifyConsistency(run.Checkpoint, other, [], run.LogKeys).AllPassed);

        string newer = SignedCheckpoint.Sign(new Checkpoint(Origin, 11, run.Tree.RootHash()), run.LogKey);
        Assert.True(LogVerifier.VerifyConsistency(run.Checkpoint, newer, [], run.LogKeys).AllPassed);
        for (int i = 0; i < newer.Length; i++)
        {
            char replacement = newer[i] == 'A' ? 'B' : 'A';
            string tampered = string.Concat(newer.AsSpan(0, i), replacement.ToString(), newer.AsSpan(i + 1));
            Assert.False(LogVerifier.VerifyConsistency(run.Checkpoint, tampered, [], run.LogKeys).AllPassed, $"position {i}");
        }
    }
}
