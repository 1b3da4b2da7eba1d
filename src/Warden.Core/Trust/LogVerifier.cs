namespace Warden.Core.Trust;

/// <summary>
/// Client-side checks of the transparency log: that an entry is included under a signed checkpoint, and that a
/// later signed checkpoint extends an earlier one (the log was only appended to).
/// Check names: checkpoint_signature, log_inclusion, old_checkpoint_signature, new_checkpoint_signature,
/// same_origin, consistency.
/// </summary>
public static class LogVerifier
{
    /// <summary>Checks the checkpoint's signature (by the log's note key) and the inclusion of <paramref name="leafHash"/> under its root.</summary>
    public static IReadOnlyList<VerificationCheck> VerifyInclusion(ReadOnlySpan<byte> leafHash, LogInclusionEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        var checks = new List<VerificationCheck>();
        CheckpointVerification checkpoint = SignedCheckpoint.Verify(evidence.SignedCheckpoint, evidence.LogKeys);
        checks.Add(new VerificationCheck("checkpoint_signature", checkpoint.IsValid, checkpoint.Reason));
        if (!checkpoint.IsValid)
        {
            return checks;
        }

        Checkpoint head = checkpoint.Checkpoint!;
        bool included = MerkleProof.VerifyInclusion(evidence.LeafIndex, head.TreeSize, leafHash, evidence.Proof, head.RootHash());
        checks.Add(new VerificationCheck(
            "log_inclusion",
            included,
            included
                ? $"entry {evidence.LeafIndex} is in {head.Origin} at size {head.TreeSize}"
                : $"the proof does not place entry {evidence.LeafIndex} under the root of {head.Origin} at size {head.TreeSize}"));
        return checks;
    }

    /// <summary>Checks both checkpoints' signatures, that they name the same log, and the consistency proof between them.</summary>
    public static VerificationReport VerifyConsistency(string oldSignedCheckpoint, string newSignedCheckpoint, IReadOnlyList<byte[]> proof, IReadOnlyCollection<NoteVerifier> keys)
    {
        ArgumentNullException.ThrowIfNull(proof);
        ArgumentNullException.ThrowIfNull(keys);
        var checks = new List<VerificationCheck>();
        CheckpointVerification older = SignedCheckpoint.Verify(oldSignedCheckpoint, keys);
        CheckpointVerification newer = SignedCheckpoint.Verify(newSignedCheckpoint, keys);
        checks.Add(new VerificationCheck("old_checkpoint_signature", older.IsValid, older.Reason));
        checks.Add(new VerificationCheck("new_checkpoint_signature", newer.IsValid, newer.Reason));
        if (!older.IsValid || !newer.IsValid)
        {
            return new VerificationReport(checks);
        }

        Checkpoint a = older.Checkpoint!;
        Checkpoint b = newer.Checkpoint!;
        bool sameOrigin = a.Origin == b.Origin;
        checks.Add(new VerificationCheck("same_origin", sameOrigin, sameOrigin ? $"both are {a.Origin}" : $"\"{a.Origin}\" and \"{b.Origin}\" are different logs"));
        if (!sameOrigin)
        {
            return new VerificationReport(checks);
        }

        bool consistent = MerkleProof.VerifyConsistency(a.TreeSize, b.TreeSize, a.RootHash(), b.RootHash(), proof);
        checks.Add(new VerificationCheck(
            "consistency",
            consistent,
            consistent
                ? $"size {b.TreeSize} extends size {a.TreeSize}"
                : $"the proof does not show size {b.TreeSize} extending size {a.TreeSize}: the log was rewritten or the proof is wrong"));
        return new VerificationReport(checks);
    }
}
