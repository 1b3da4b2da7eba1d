using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Warden.Server.Tests.Trust;

/// <summary>
/// A C2SP signed-note verifier written from the specification text alone (c2sp.org/signed-note, tlog-checkpoint,
/// tlog-cosignature), with another Ed25519 implementation (BouncyCastle) than Warden's, and nothing of Warden's code:
/// the independent check of Warden's checkpoints and its witness's cosignatures.
/// </summary>
internal static class SpecNoteVerifier
{
    /// <summary>A parsed vkey: "&lt;name&gt;+&lt;hex key ID&gt;+&lt;base64(type || key)&gt;".</summary>
    public sealed record Vkey(string Name, byte[] KeyId, byte Type, byte[] PublicKey);

    public static Vkey ParseVkey(string text)
    {
        string[] parts = text.Trim().Split('+', 3); // name and hex ID hold no '+'; the base64 may
        Assert.Equal(3, parts.Length);
        byte[] material = Convert.FromBase64String(parts[2]);
        var vkey = new Vkey(parts[0], Convert.FromHexString(parts[1]), material[0], material[1..]);
        Assert.Equal(32, vkey.PublicKey.Length);

        // "key ID = SHA-256(key name || 0x0A || signature type || public key)[:4]"
        byte[] expected = SHA256.HashData([.. Encoding.UTF8.GetBytes(vkey.Name), 0x0A, vkey.Type, .. vkey.PublicKey])[..4];
        Assert.Equal(expected, vkey.KeyId);
        return vkey;
    }

    /// <summary>The note text (final newline included) and its signature lines as (name, decoded bytes).</summary>
    public static (string Text, List<(string Name, byte[] Bytes)> Signatures) Split(string note)
    {
        Assert.EndsWith("\n", note, StringComparison.Ordinal);
        Assert.DoesNotContain(note, c => c < 0x20 && c != '\n');

        // "the text is separated from the signatures by the last empty line in the note"
        int blank = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        Assert.True(blank >= 0, "no blank line");
        string text = note[..(blank + 1)];
        var signatures = new List<(string, byte[])>();
        foreach (string line in note[(blank + 2)..^1].Split('\n'))
        {
            // "em dash (U+2014), space (U+0020), key name, space, base64-encoded signature, newline"
            Assert.StartsWith("\u2014 ", line, StringComparison.Ordinal);
            string[] fields = line[2..].Split(' ');
            Assert.Equal(2, fields.Length);
            signatures.Add((fields[0], Convert.FromBase64String(fields[1])));
        }

        return (text, signatures);
    }

    /// <summary>True when a signature line by the vkey's name and key ID verifies as Ed25519 (type 0x01) over the text.</summary>
    public static bool VerifyNote(string note, Vkey key)
    {
        Assert.Equal(0x01, key.Type);
        var (text, signatures) = Split(note);
        byte[] message = Encoding.UTF8.GetBytes(text);
        return signatures.Any(s => s.Name == key.Name && s.Bytes.Length == 4 + 64 && s.Bytes.AsSpan(0, 4).SequenceEqual(key.KeyId)
            && Ed25519Verify(key.PublicKey, message, s.Bytes[4..]));
    }

    /// <summary>
    /// True when a cosignature (type 0x04) by the vkey verifies: 4-byte key ID, 8-byte big-endian timestamp, Ed25519
    /// signature over "cosignature/v1\ntime &lt;timestamp&gt;\n" followed by the checkpoint's note text.
    /// </summary>
    public static bool VerifyCosignature(string note, Vkey witness)
    {
        Assert.Equal(0x04, witness.Type);
        var (text, signatures) = Split(note);
        foreach (var (_, bytes) in signatures.Where(s => s.Name == witness.Name && s.Bytes.Length == 4 + 8 + 64 && s.Bytes.AsSpan(0, 4).SequenceEqual(witness.KeyId)))
        {
            ulong timestamp = 0;
            for (int i = 4; i < 12; i++)
            {
                timestamp = (timestamp << 8) | bytes[i];
            }

            byte[] message = Encoding.UTF8.GetBytes("cosignature/v1\ntime " + timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n" + text);
            if (timestamp > 0 && Ed25519Verify(witness.PublicKey, message, bytes[12..]))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Ed25519Verify(byte[] publicKey, byte[] message, byte[] signature)
    {
        var signer = new Ed25519Signer();
        signer.Init(false, new Ed25519PublicKeyParameters(publicKey, 0));
        signer.BlockUpdate(message, 0, message.Length);
        return signer.VerifySignature(signature);
    }
}
