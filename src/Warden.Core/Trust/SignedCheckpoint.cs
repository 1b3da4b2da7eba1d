using System.Text;

namespace Warden.Core.Trust;

/// <summary>
/// A checkpoint signed like a C2SP signed note: the body, an empty line, then one or more signature lines
/// <c>— &lt;kid&gt; &lt;standard base64 of the 64-byte ES256 r||s signature&gt;\n</c> (U+2014 em dash, space).
/// The signature covers the UTF-8 bytes of the body exactly (up to and including its last newline).
/// Verification passes when a line whose kid is among the published keys verifies; lines with other kids
/// (e.g. witnesses' cosignatures) are ignored.
/// </summary>
public static class SignedCheckpoint
{
    private const string SignaturePrefix = "\u2014 ";

    /// <summary>The signed note text for <paramref name="checkpoint"/>.</summary>
    public static string Sign(Checkpoint checkpoint, EcSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(key);
        string body = checkpoint.ToBodyText();
        byte[] signature = key.Sign(Encoding.UTF8.GetBytes(body));
        return body + "\n" + SignaturePrefix + key.KeyId + " " + Convert.ToBase64String(signature) + "\n";
    }

    /// <summary>Parses and verifies a signed checkpoint against the published keys.</summary>
    public static CheckpointVerification Verify(string signedText, JsonWebKeySet keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (string.IsNullOrEmpty(signedText))
        {
            return CheckpointVerification.Fail("empty checkpoint");
        }

        int split = signedText.IndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            return CheckpointVerification.Fail("no empty line between the checkpoint body and its signatures");
        }

        string body = signedText[..(split + 1)];
        if (!Checkpoint.TryParseBody(body, out Checkpoint? checkpoint, out string? error))
        {
            return CheckpointVerification.Fail(error!);
        }

        string signatureBlock = signedText[(split + 2)..];
        if (signatureBlock.Length == 0 || signatureBlock[^1] != '\n')
        {
            return CheckpointVerification.Fail("the signature lines must end with a newline", checkpoint);
        }

        byte[] bodyBytes = Encoding.UTF8.GetBytes(body);
        string? unknownKid = null;
        foreach (string line in signatureBlock[..^1].Split('\n'))
        {
            string[] fields = line.StartsWith(SignaturePrefix, StringComparison.Ordinal)
                ? line[SignaturePrefix.Length..].Split(' ')
                : [];
            if (fields.Length != 2 || fields[0].Length == 0)
            {
                return CheckpointVerification.Fail("a signature line is not \"— <kid> <base64 signature>\"", checkpoint);
            }

            JsonWebKey? key = keys.Find(fields[0]);
            if (key is null)
            {
                unknownKid ??= fields[0];
                continue;
            }

            byte[] signature;
            try
            {
                signature = Convert.FromBase64String(fields[1]);
            }
            catch (FormatException)
            {
                return CheckpointVerification.Fail("the signature is not base64", checkpoint, key.KeyId);
            }

            if (Convert.ToBase64String(signature) != fields[1] || !key.Verify(bodyBytes, signature))
            {
                return CheckpointVerification.Fail($"the signature by key {key.KeyId} does not verify", checkpoint, key.KeyId);
            }

            return new CheckpointVerification(true, $"signed by key {key.KeyId}", checkpoint, key.KeyId);
        }

        return CheckpointVerification.Fail(
            unknownKid is null ? "no signature line" : $"no signature by a published key (saw kid \"{unknownKid}\")",
            checkpoint);
    }
}

/// <summary>Outcome of verifying a signed checkpoint; the parsed checkpoint is set whenever its body was readable.</summary>
/// <param name="IsValid">True when a published key's signature verified.</param>
/// <param name="Reason">A human-readable explanation.</param>
/// <param name="Checkpoint">The parsed body, even when the signature failed (never trust it then).</param>
/// <param name="KeyId">The key whose signature was checked.</param>
public sealed record CheckpointVerification(bool IsValid, string Reason, Checkpoint? Checkpoint, string? KeyId)
{
    internal static CheckpointVerification Fail(string reason, Checkpoint? checkpoint = null, string? keyId = null) =>
        new(false, reason, checkpoint, keyId);
}
