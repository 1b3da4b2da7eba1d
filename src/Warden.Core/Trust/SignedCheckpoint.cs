namespace Warden.Core.Trust;

/// <summary>
/// A checkpoint as a C2SP signed note (https://c2sp.org/tlog-checkpoint): the checkpoint text, an empty line, the
/// log's signature line "— &lt;origin&gt; base64(key ID || Ed25519 signature)" and, once witnesses answered, their
/// cosignature lines (https://c2sp.org/tlog-cosignature). A note verifies when a signature by a trusted log key
/// verifies and none by a trusted log key fails; lines by other keys are ignored, as the spec requires.
/// </summary>
public static class SignedCheckpoint
{
    /// <summary>The signed note text for <paramref name="checkpoint"/>.</summary>
    public static string Sign(Checkpoint checkpoint, NoteSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(key);
        string body = checkpoint.ToBodyText();
        return body + "\n" + key.SignLine(body);
    }

    /// <summary>Adds signature lines (a witness's cosignatures) to a signed checkpoint, skipping lines it already has.</summary>
    public static string AddSignatureLines(string signedText, IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(signedText);
        ArgumentNullException.ThrowIfNull(lines);
        string result = signedText;
        foreach (string line in lines)
        {
            if (!result.Contains(line, StringComparison.Ordinal))
            {
                result += line;
            }
        }

        return result;
    }

    /// <summary>Parses and verifies a signed checkpoint against the log's verifier keys.</summary>
    public static CheckpointVerification Verify(string signedText, IReadOnlyCollection<NoteVerifier> logKeys)
    {
        ArgumentNullException.ThrowIfNull(logKeys);
        if (!SignedNote.TryParse(signedText, out SignedNote? note, out string? error))
        {
            return CheckpointVerification.Fail(error!);
        }

        if (!Checkpoint.TryParseBody(note!.Text, out Checkpoint? checkpoint, out error))
        {
            return CheckpointVerification.Fail(error!);
        }

        string? verifiedBy = null;
        foreach (NoteSignature signature in note.Signatures)
        {
            NoteVerifier? key = logKeys.FirstOrDefault(k => k.Type == NoteVerifier.Ed25519Type && signature.IsBy(k));
            if (key is null)
            {
                continue;
            }

            if (!key.Verify(note.Text, signature.Signature, out _))
            {
                return CheckpointVerification.Fail($"the signature by log key {key.Name}+{key.KeyId:x8} does not verify", checkpoint, key.Name);
            }

            verifiedBy ??= key.Name;
        }

        return verifiedBy is null
            ? CheckpointVerification.Fail($"no signature by a trusted log key (signed by: {string.Join(", ", note.Signatures.Select(s => s.KeyName).Distinct())})", checkpoint)
            : new CheckpointVerification(true, $"signed by log key {verifiedBy}", checkpoint, verifiedBy);
    }

    /// <summary>
    /// The witnesses among <paramref name="witnessKeys"/> whose cosignature on the checkpoint verifies (each witness
    /// counted once), and those whose line is there but does not verify.
    /// </summary>
    public static (IReadOnlyList<string> Valid, IReadOnlyList<string> Invalid) Cosigners(string signedText, IReadOnlyCollection<NoteVerifier> witnessKeys)
    {
        ArgumentNullException.ThrowIfNull(witnessKeys);
        var valid = new List<string>();
        var invalid = new List<string>();
        if (!SignedNote.TryParse(signedText, out SignedNote? note, out _))
        {
            return (valid, invalid);
        }

        foreach (NoteVerifier witness in witnessKeys.Where(k => k.Type == NoteVerifier.CosignatureType))
        {
            string id = witness.ToVkey();
            foreach (NoteSignature signature in note!.Signatures.Where(s => s.IsBy(witness)))
            {
                if (witness.Verify(note.Text, signature.Signature, out _))
                {
                    if (!valid.Contains(id))
                    {
                        valid.Add(id);
                    }
                }
                else if (!invalid.Contains(id))
                {
                    invalid.Add(id);
                }
            }
        }

        return (valid, invalid);
    }
}

/// <summary>Outcome of verifying a signed checkpoint; the parsed checkpoint is set whenever its body was readable.</summary>
/// <param name="IsValid">True when a trusted log key's signature verified.</param>
/// <param name="Reason">A human-readable explanation.</param>
/// <param name="Checkpoint">The parsed body, even when the signature failed (never trust it then).</param>
/// <param name="KeyId">The name of the log key whose signature was checked.</param>
public sealed record CheckpointVerification(bool IsValid, string Reason, Checkpoint? Checkpoint, string? KeyId)
{
    internal static CheckpointVerification Fail(string reason, Checkpoint? checkpoint = null, string? keyId = null) =>
        new(false, reason, checkpoint, keyId);
}
