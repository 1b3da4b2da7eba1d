using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Warden.Core.Trust;

namespace Warden.Core.Tests.Trust;

public class CheckpointTests
{
    private const string Origin = "warden.example.com/log";

    private static Checkpoint Sample(long size = 42) =>
        new(Origin, size, Convert.FromHexString("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"));

    [Fact]
    public void Body_text_is_the_three_tlog_checkpoint_lines()
    {
        Assert.Equal("warden.example.com/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", Sample().ToBodyText());
    }

    [Fact]
    public void Body_text_round_trips_and_a_legacy_timestamp_line_reads_as_an_extension()
    {
        Checkpoint checkpoint = Sample();
        Assert.True(Checkpoint.TryParseBody(checkpoint.ToBodyText(), out Checkpoint? parsed, out string? error), error);
        Assert.Equal(checkpoint.ToBodyText(), parsed!.ToBodyText());
        Assert.Equal(checkpoint.RootHash(), parsed.RootHash());

        string legacy = checkpoint.ToBodyText() + "timestamp 1795327549123\n";
        Assert.True(Checkpoint.TryParseBody(legacy, out parsed, out error), error);
        Assert.Equal(["timestamp 1795327549123"], parsed!.Extensions);
        Assert.Equal(legacy, parsed.ToBodyText());
    }

    [Theory]
    [InlineData("warden.example.com/log\n042\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]
    [InlineData("warden.example.com/log\n+42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]
    [InlineData("warden.example.com/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg\n")]
    [InlineData("warden.example.com/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg=\n")]
    [InlineData("warden.example.com/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=")]
    [InlineData("warden.example.com/log\r\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]
    [InlineData("warden.example.com/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n")]
    [InlineData("warden.example.com/log\n42\n")]
    [InlineData("\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]
    public void Non_canonical_bodies_are_refused(string body)
    {
        Assert.False(Checkpoint.TryParseBody(body, out _, out string? error));
        Assert.NotNull(error);
    }

    [Fact]
    public void The_signed_note_example_of_the_specification_verifies()
    {
        // c2sp.org/signed-note, "Verifier keys", "Example".
        Assert.True(NoteVerifier.TryParse("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", out NoteVerifier? key, out string? error), error);
        Assert.True(SignedNote.TryParse(
            "This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n",
            out SignedNote? note, out error), error);
        NoteSignature signature = Assert.Single(note!.Signatures);
        Assert.True(signature.IsBy(key!));
        Assert.True(key!.Verify(note.Text, signature.Signature, out _));
        Assert.False(key.Verify("This is an example message!\n", signature.Signature, out _));
    }

    [Fact]
    public void Signed_checkpoint_has_the_key_name_and_key_id_and_verifies()
    {
        using var key = NoteSigningKey.Generate(Origin, NoteVerifier.Ed25519Type);
        string signed = SignedCheckpoint.Sign(Sample(), key);
        Assert.StartsWith(Sample().ToBodyText() + "\n\u2014 " + Origin + " ", signed, StringComparison.Ordinal);
        byte[] bytes = Convert.FromBase64String(signed.Split(' ')[^1].TrimEnd('\n'));
        Assert.Equal(4 + 64, bytes.Length);
        byte[] expectedId = SHA256.HashData([.. Encoding.UTF8.GetBytes(Origin), 0x0A, 0x01, .. key.Verifier.PublicKeyBytes])[..4];
        Assert.Equal(expectedId, bytes[..4]);
        Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(expectedId), key.Verifier.KeyId);

        CheckpointVerification result = SignedCheckpoint.Verify(signed, [key.Verifier]);
        Assert.True(result.IsValid, result.Reason);
        Assert.Equal(Sample().ToBodyText(), result.Checkpoint!.ToBodyText());

        Assert.True(NoteVerifier.TryParse(key.Verifier.ToVkey(), out NoteVerifier? parsed, out string? error), error);
        Assert.True(SignedCheckpoint.Verify(signed, [parsed!]).IsValid);
    }

    [Fact]
    public void Changing_any_character_of_a_signed_checkpoint_fails()
    {
        using var key = NoteSigningKey.Generate(Origin, NoteVerifier.Ed25519Type);
        NoteVerifier[] keys = [key.Verifier];
        string signed = SignedCheckpoint.Sign(Sample(), key);
        for (int i = 0; i < signed.Length; i++)
        {
            char replacement = signed[i] == 'A' ? 'B' : 'A';
            string tampered = string.Concat(signed.AsSpan(0, i), replacement.ToString(), signed.AsSpan(i + 1));
            Assert.False(SignedCheckpoint.Verify(tampered, keys).IsValid, $"position {i}");
        }

        Assert.False(SignedCheckpoint.Verify(signed[..^1], keys).IsValid);
    }

    [Fact]
    public void Unknown_keys_are_ignored_and_witness_cosignatures_count_per_trusted_witness()
    {
        using var key = NoteSigningKey.Generate(Origin, NoteVerifier.Ed25519Type);
        using var impostor = NoteSigningKey.Generate(Origin, NoteVerifier.Ed25519Type);
        using var witness = NoteSigningKey.Generate("witness.example/w1", NoteVerifier.CosignatureType);
        using var other = NoteSigningKey.Generate("witness.example/w2", NoteVerifier.CosignatureType);
        string signed = SignedCheckpoint.Sign(Sample(), key);

        // Same name, other key ID: ignored, so a note signed only by it does not verify.
        Assert.False(SignedCheckpoint.Verify(SignedCheckpoint.Sign(Sample(), impostor), [key.Verifier]).IsValid);
        Assert.True(SignedCheckpoint.Verify(signed + impostor.SignLine(Sample().ToBodyText()), [key.Verifier]).IsValid);

        string cosigned = signed + witness.CosignLine(Sample().ToBodyText(), 1_795_327_549) + other.CosignLine(Sample().ToBodyText(), 1_795_327_550);
        Assert.True(SignedCheckpoint.Verify(cosigned, [key.Verifier]).IsValid);
        Assert.Single(SignedCheckpoint.Cosigners(cosigned, [witness.Verifier]).Valid);
        Assert.Equal(2, SignedCheckpoint.Cosigners(cosigned, [witness.Verifier, other.Verifier]).Valid.Count);

        // A cosignature moved to another checkpoint does not verify there.
        string elsewhere = SignedCheckpoint.Sign(Sample(43), key) + witness.CosignLine(Sample().ToBodyText(), 1_795_327_549);
        var (valid, invalid) = SignedCheckpoint.Cosigners(elsewhere, [witness.Verifier]);
        Assert.Empty(valid);
        Assert.Single(invalid);
    }
}
