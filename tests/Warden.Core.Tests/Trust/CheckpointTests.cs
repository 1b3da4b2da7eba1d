using Warden.Core.Trust;

namespace Warden.Core.Tests.Trust;

public class CheckpointTests
{
    private static readonly DateTimeOffset Time = new(2026, 11, 22, 6, 5, 49, 123, TimeSpan.Zero);

    private static Checkpoint Sample(long size = 42) =>
        new("warden.example.com/log", size, Convert.FromHexString("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"), Time);

    [Fact]
    public void Body_text_has_the_documented_lines()
    {
        Assert.Equal(
            "warden.example.com/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\ntimestamp 1795327549123\n",
            Sample().ToBodyText());
    }

    [Fact]
    public void Body_text_round_trips()
    {
        Checkpoint checkpoint = Sample();
        Assert.True(Checkpoint.TryParseBody(checkpoint.ToBodyText(), out Checkpoint? parsed, out string? error), error);
        Assert.Equal(checkpoint, parsed);
        Assert.Equal(Time, parsed!.Timestamp);
        Assert.Equal(checkpoint.RootHash(), parsed.RootHash());
    }

    [Theory]
    [InlineData("warden.example.com/log\n042\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\ntimestamp 1795327549123\n")]
    [InlineData("warden.example.com/log\n+42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\ntimestamp 1795327549123\n")]
    [InlineData("warden.example.com/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg\ntimestamp 1795327549123\n")]
    [InlineData("warden.example.com/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg=\ntimestamp 1795327549123\n")]
    [InlineData("warden.example.com/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\ntimestamp 1795327549123")]
    [InlineData("warden.example.com/log\r\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\ntimestamp 1795327549123\n")]
    [InlineData("warden.example.com/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\ntime 1795327549123\n")]
    [InlineData("warden.example.com/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\ntimestamp 1795327549123\nextra\n")]
    [InlineData("\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\ntimestamp 1795327549123\n")]
    public void Non_canonical_bodies_are_refused(string body)
    {
        Assert.False(Checkpoint.TryParseBody(body, out _, out string? error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Signed_checkpoint_verifies_and_names_its_key()
    {
        using EcSigningKey key = EcSigningKey.Generate();
        string signed = SignedCheckpoint.Sign(Sample(), key);
        Assert.StartsWith(Sample().ToBodyText() + "\n\u2014 " + key.KeyId + " ", signed, StringComparison.Ordinal);
        Assert.EndsWith("\n", signed, StringComparison.Ordinal);

        CheckpointVerification result = SignedCheckpoint.Verify(signed, new JsonWebKeySet([key.PublicKey]));
        Assert.True(result.IsValid, result.Reason);
        Assert.Equal(Sample(), result.Checkpoint);
        Assert.Equal(key.KeyId, result.KeyId);
    }

    [Fact]
    public void Changing_any_character_of_a_signed_checkpoint_fails()
    {
        using EcSigningKey key = EcSigningKey.Generate();
        var keys = new JsonWebKeySet([key.PublicKey]);
        string signed = SignedCheckpoint.Sign(Sample(), key);
        for (int i = 0; i < signed.Length; i++)
        {
            char replacement = signed[i] == 'A' ? 'B' : 'A';
            string tampered = string.Concat(signed.AsSpan(0, i), replacement.ToString(), signed.AsSpan(i + 1));
            Assert.False(SignedCheckpoint.Verify(tampered, keys).IsValid, $"position {i}");
        }

        Assert.False(SignedCheckpoint.Verify(signed[..^1], keys).IsValid);
        Assert.False(SignedCheckpoint.Verify(signed.Replace("\n42\n", "\n43\n", StringComparison.Ordinal), keys).IsValid);
    }

    [Fact]
    public void A_checkpoint_signed_by_an_unpublished_key_fails_and_a_cosignature_is_ignored()
    {
        using EcSigningKey key = EcSigningKey.Generate();
        using EcSigningKey witness = EcSigningKey.Generate();
        string signed = SignedCheckpoint.Sign(Sample(), key);
        string byWitness = SignedCheckpoint.Sign(Sample(), witness);
        var keys = new JsonWebKeySet([key.PublicKey]);

        Assert.False(SignedCheckpoint.Verify(byWitness, keys).IsValid);

        string witnessLine = byWitness[(byWitness.IndexOf("\n\n", StringComparison.Ordinal) + 2)..];
        Assert.True(SignedCheckpoint.Verify(signed + witnessLine, keys).IsValid);
        Assert.True(SignedCheckpoint.Verify(Sample().ToBodyText() + "\n" + witnessLine + signed[(signed.IndexOf("\n\n", StringComparison.Ordinal) + 2)..], keys).IsValid);
    }
}
