using System.Security.Cryptography;
using Warden.Core.Trust;

namespace Warden.Server.Witness;

/// <summary>
/// The witness's decision on an <c>add-checkpoint</c> call, step by step as C2SP tlog-witness orders it:
/// 400 for a malformed body or an old size above the checkpoint's, 404 for an origin it does not follow, 403 when no
/// trusted log signature verifies (or one fails), 409 (with its size, <c>text/x.tlog.size</c>) when the old size is not
/// the size it last cosigned, 422 for a size-0 checkpoint with another root, a proof where none belongs, a consistency
/// proof that does not verify, or the same size with another root; otherwise it records the checkpoint and answers 200
/// with its timestamped Ed25519 cosignature line (tlog-cosignature, type 0x04). The check and the update run under one
/// lock and one transaction, so two calls cannot roll the recorded size back.
/// </summary>
internal sealed partial class WitnessService(
    NoteSigningKey key, IReadOnlyList<NoteVerifier> logs, WitnessState state, TimeProvider time, ILogger<WitnessService> logger)
{
    private readonly Lock _gate = new();

    /// <summary>The witness's verifier key.</summary>
    public NoteVerifier Key => key.Verifier;

    /// <summary>The logs it follows.</summary>
    public IReadOnlyList<NoteVerifier> Logs => logs;

    public WitnessAnswer AddCheckpoint(string body)
    {
        if (!AddCheckpointRequest.TryParse(body, out AddCheckpointRequest? request, out string? error)
            || !SignedNote.TryParse(request!.SignedCheckpoint, out SignedNote? note, out error)
            || !Checkpoint.TryParseBody(note!.Text, out Checkpoint? checkpoint, out error))
        {
            return WitnessAnswer.Text(400, error + "\n");
        }

        NoteVerifier[] trusted = [.. logs.Where(l => l.Name == checkpoint!.Origin)];
        if (trusted.Length == 0)
        {
            return WitnessAnswer.Text(404, "unknown log origin\n");
        }

        var verification = SignedCheckpoint.Verify(request.SignedCheckpoint, trusted);
        if (!verification.IsValid)
        {
            return WitnessAnswer.Text(403, verification.Reason + "\n");
        }

        if (request.OldSize > checkpoint!.TreeSize)
        {
            return WitnessAnswer.Text(400, "the old size is larger than the checkpoint's size\n");
        }

        byte[] root = checkpoint.RootHash();
        lock (_gate)
        {
            using var connection = state.Open();
            using var transaction = connection.BeginTransaction();
            var latest = WitnessState.Latest(connection, transaction, checkpoint.Origin);
            long latestSize = latest?.Size ?? 0;
            if (request.OldSize != latestSize)
            {
                return new WitnessAnswer(409, latestSize.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n", "text/x.tlog.size");
            }

            string? inconsistency = Inconsistency(request, checkpoint, root, latest);
            if (inconsistency is not null)
            {
                // Signed by the log and yet not consistent with what it cosigned before: possible evidence of misbehaviour.
                Telemetry.Log.WitnessRefusedToCosign(logger, checkpoint.Origin, latestSize, checkpoint.TreeSize, inconsistency);
                return WitnessAnswer.Text(422, inconsistency + "\n");
            }

            long now = time.GetUtcNow().ToUnixTimeSeconds();
            string line = key.CosignLine(note.Text, now);
            string ownSignatures = string.Concat(note.Signatures.Where(s => trusted.Any(s.IsBy)).Select(s => s.Line));
            WitnessState.Save(connection, transaction, checkpoint.Origin, checkpoint.TreeSize, root, note.Text + "\n" + ownSignatures + line);
            transaction.Commit();
            Telemetry.Log.WitnessCosigned(logger, checkpoint.Origin, checkpoint.TreeSize);
            return WitnessAnswer.Text(200, line);
        }
    }

    /// <summary>The cosigned checkpoint kept for the origin whose SHA-256 is <paramref name="originHashHex"/> (monitoring API).</summary>
    public string? CheckpointFor(string originHashHex) =>
        state.Origins().FirstOrDefault(o => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(o))) == originHashHex) is { } origin
            ? state.Checkpoint(origin)
            : null;

    private static string? Inconsistency(AddCheckpointRequest request, Checkpoint checkpoint, byte[] root, (long Size, byte[] Root)? latest)
    {
        if (checkpoint.TreeSize == 0 && !CryptographicOperations.FixedTimeEquals(root, MerkleHash.EmptyRoot()))
        {
            return "a checkpoint of size 0 must have the empty tree's root";
        }

        if (request.OldSize == 0)
        {
            return request.Proof.Count == 0 ? null : "a proof from size 0 must be empty";
        }

        byte[] oldRoot = latest!.Value.Root;
        if (request.OldSize == checkpoint.TreeSize)
        {
            return CryptographicOperations.FixedTimeEquals(oldRoot, root) ? null : "same size as the cosigned checkpoint with a different root hash";
        }

        return MerkleProof.VerifyConsistency(request.OldSize, checkpoint.TreeSize, oldRoot, root, request.Proof)
            ? null
            : "the consistency proof does not show this checkpoint extending the one cosigned before";
    }


}

/// <summary>A witness's HTTP answer.</summary>
internal sealed record WitnessAnswer(int Status, string Body, string ContentType)
{
    public static WitnessAnswer Text(int status, string body) => new(status, body, "text/plain; charset=utf-8");
}
