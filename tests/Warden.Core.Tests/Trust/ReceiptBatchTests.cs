using System.Buffers.Text;
using System.Text;
using Warden.Core.Trust;

namespace Warden.Core.Tests.Trust;

/// <summary>Version 2 receipts (issue 25): one signature per batch, each receipt verifying alone through its path.</summary>
public class ReceiptBatchTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 8, 0, 1, 2, 345, TimeSpan.Zero);

    private static ReceiptClaims Claims(int i) => ReceiptTests.SampleClaims() with { Version = ReceiptClaims.CurrentVersion, RequestId = $"req_{i:D2}" };

    private static string[] SignBatch(EcSigningKey key, int count) =>
        ReceiptBatch.Sign([.. Enumerable.Range(0, count).Select(i => ReceiptJson.ToUtf8(Claims(i)))], key, At);

    private static VerificationCheck? Failed(VerificationReport report) => report.Checks.FirstOrDefault(c => !c.Passed);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(64)]
    public void Every_receipt_of_a_batch_verifies_alone_and_states_its_own_claims(int count)
    {
        using var key = EcSigningKey.Generate();
        var keys = new JsonWebKeySet([key.PublicKey]);
        string[] receipts = SignBatch(key, count);
        for (int i = 0; i < count; i++)
        {
            var report = ReceiptVerifier.Verify(receipts[i], keys);
            Assert.True(report.AllPassed, string.Join("\n", report.Checks.Select(c => $"{c.Passed} {c.Name}: {c.Detail}")));
            Assert.Equal($"req_{i:D2}", report.Claims!.RequestId);
            Assert.Equal(ReceiptClaims.CurrentVersion, report.Claims.Version);
            Assert.Contains(report.Checks, c => c.Name == "batch_inclusion" && c.Detail.Contains($"leaf {i} of a batch of {count}", StringComparison.Ordinal));
        }

        // One signature for the whole batch: every receipt carries the same header.
        Assert.Single(receipts.Select(r => r.Split('~')[0]).Distinct());
    }

    [Fact]
    public void A_batch_of_one_has_an_empty_path_and_its_root_is_its_leaf_hash()
    {
        using var key = EcSigningKey.Generate();
        string receipt = Assert.Single(SignBatch(key, 1));
        string[] parts = receipt.Split('~');
        Assert.Equal(["0", ""], parts[2..]);
        var header = ReceiptBatch.Verify(receipt, new JsonWebKeySet([key.PublicKey]));
        Assert.True(header.IsValid);
        Assert.Equal(1, header.Batch!.Size);
        Assert.Equal(MerkleHash.Leaf(ReceiptJson.ToUtf8(Claims(0))), header.Batch.Root);
    }

    [Fact]
    public void A_receipt_moved_under_another_batch_header_fails_batch_inclusion()
    {
        using var key = EcSigningKey.Generate();
        var keys = new JsonWebKeySet([key.PublicKey]);
        string[] first = SignBatch(key, 4);
        string[] second = ReceiptBatch.Sign([.. Enumerable.Range(10, 4).Select(i => ReceiptJson.ToUtf8(Claims(i)))], key, At);
        string moved = second[0].Split('~')[0] + first[2][first[2].IndexOf('~', StringComparison.Ordinal)..];
        var failed = Failed(ReceiptVerifier.Verify(moved, keys));
        Assert.Equal("batch_inclusion", failed?.Name);
    }

    [Fact]
    public void A_changed_path_index_or_claims_fails_batch_inclusion()
    {
        using var key = EcSigningKey.Generate();
        var keys = new JsonWebKeySet([key.PublicKey]);
        string[] parts = SignBatch(key, 5)[1].Split('~');

        byte[] path = Base64Url.DecodeFromChars(parts[3]);
        for (int i = 0; i < path.Length; i += 7)
        {
            byte[] changed = [.. path];
            changed[i] ^= 0x01;
            Assert.Equal("batch_inclusion", Failed(ReceiptVerifier.Verify(string.Join('~', parts[0], parts[1], parts[2], Base64Url.EncodeToString(changed)), keys))?.Name);
        }

        // A path one hash short or one too long, another index, the claims of another receipt of the batch.
        Assert.Equal("batch_inclusion", Failed(ReceiptVerifier.Verify(string.Join('~', parts[0], parts[1], parts[2], Base64Url.EncodeToString(path.AsSpan(32))), keys))?.Name);
        Assert.Equal("batch_inclusion", Failed(ReceiptVerifier.Verify(string.Join('~', parts[0], parts[1], parts[2], Base64Url.EncodeToString([.. path, .. path[..32]])), keys))?.Name);
        foreach (string index in (string[])["0", "2", "01", "5", "-1", ""])
        {
            Assert.Equal("batch_inclusion", Failed(ReceiptVerifier.Verify(string.Join('~', parts[0], parts[1], index, parts[3]), keys))?.Name);
        }

        byte[] claims = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1])).Replace("req_01", "req_09", StringComparison.Ordinal));
        Assert.Equal("batch_inclusion", Failed(ReceiptVerifier.Verify(string.Join('~', parts[0], Base64Url.EncodeToString(claims), parts[2], parts[3]), keys))?.Name);
    }

    [Fact]
    public void A_header_signed_by_an_unpublished_key_or_changed_in_any_character_fails_before_the_claims()
    {
        using var key = EcSigningKey.Generate();
        using var other = EcSigningKey.Generate();
        string receipt = SignBatch(key, 3)[2];
        Assert.Equal("kid_known", Failed(ReceiptVerifier.Verify(receipt, new JsonWebKeySet([other.PublicKey])))?.Name);

        var keys = new JsonWebKeySet([key.PublicKey]);
        int headerLength = receipt.IndexOf('~', StringComparison.Ordinal);
        for (int i = 0; i < headerLength; i += 5)
        {
            char c = receipt[i] == 'A' ? 'B' : 'A';
            var report = ReceiptVerifier.Verify(receipt[..i] + c + receipt[(i + 1)..], keys);
            Assert.False(report.AllPassed);
            Assert.Null(report.Claims);
        }
    }

    [Fact]
    public void Claims_of_one_version_do_not_pass_in_the_form_of_the_other()
    {
        using var key = EcSigningKey.Generate();
        var keys = new JsonWebKeySet([key.PublicKey]);

        // Version 2 claims signed as a lone JWS, and version 1 claims as a batch leaf.
        string lone = CompactJws.Sign(ReceiptJson.ToUtf8(Claims(0)), key, ReceiptJson.JwsType);
        Assert.Equal("claims", Failed(ReceiptVerifier.Verify(lone, keys))?.Name);
        string batched = Assert.Single(ReceiptBatch.Sign([ReceiptJson.ToUtf8(ReceiptTests.SampleClaims())], key, At));
        Assert.Equal("claims", Failed(ReceiptVerifier.Verify(batched, keys))?.Name);

        // A batch header presented as a version 1 receipt is not a receipt.
        Assert.Equal("claims", Failed(ReceiptVerifier.Verify(batched.Split('~')[0], keys))?.Name);
    }

    [Fact]
    public void A_version_1_receipt_still_verifies()
    {
        using var key = EcSigningKey.Generate();
        var report = ReceiptVerifier.Verify(ReceiptJson.Sign(ReceiptTests.SampleClaims(), key), new JsonWebKeySet([key.PublicKey]));
        Assert.True(report.AllPassed);
        Assert.Equal(ReceiptClaims.SingleSignatureVersion, report.Claims!.Version);
    }

    [Fact]
    public void The_batch_header_has_the_documented_fields_in_order()
    {
        byte[] root = MerkleHash.Leaf("x"u8);
        string json = Encoding.UTF8.GetString(ReceiptBatch.HeaderJson("kid-1", At, 3, root));
        Assert.Equal($"{{\"v\":2,\"kid\":\"kid-1\",\"issued_at\":\"2026-12-08T00:01:02.345Z\",\"size\":3,\"root\":\"{Convert.ToHexStringLower(root)}\"}}", json);
    }
}
