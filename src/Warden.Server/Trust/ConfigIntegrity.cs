using Warden.Server.Storage;
using Warden.Server.Telemetry;

namespace Warden.Server.Trust;

/// <summary>
/// What a server puts right in its own data folder before anything else at start (issue 19): the log's append-only
/// triggers (put back when missing or altered), and the log's commitment to the configuration (a folder from before
/// the commitments gets one baseline entry of its configuration as it is). The check of the tables against the log
/// comes after the log itself was checked against its last checkpoint (<see cref="TransparencyLog"/>), in the first
/// configuration load (<c>ConfigReloader</c>), which refuses to start when an object differs.
/// </summary>
internal static class ConfigIntegrity
{
    /// <summary>Restores triggers and writes the baseline when needed; returns what it did, for <see cref="Report"/> once logging runs.</summary>
    public static IntegrityRepairs Prepare(WardenDatabase database)
    {
        using var connection = database.Open();
        var restored = LogTriggers.Restore(connection);

        using var transaction = connection.BeginWrite();
        IntegrityRepairs repairs = new(restored, null, null);
        if (ConfigCommitments.LastCommitted(connection, transaction) is not null)
        {
            // A deleted signing key row would otherwise surface as a checkpoint whose signature does not verify: name it.
            var tables = ConfigState.Read(connection, transaction);
            var missing = ConfigCommitments.Replay(connection, transaction)
                .Where(p => p.Key.StartsWith("signing_key/", StringComparison.Ordinal) && !tables.Objects.ContainsKey(p.Key))
                .Select(p => $"signing_key {p.Key["signing_key/".Length..]}: missing from the tables (logged in entry {p.Value.Index})")
                .ToList();
            if (missing.Count > 0)
            {
                throw new InvalidDataException("the configuration tables differ from what the transparency log committed: " + string.Join("; ", missing)
                    + ". A signing key's public half is never deleted through Warden (receipts it signed must keep verifying); restore the row from the logged JWK.");
            }
        }
        else
        {
            var tables = ConfigState.Read(connection, transaction);
            if (ConfigCommitments.Verify(connection, transaction, tables, database.CurrentActor, database.Time.GetUtcNow()))
            {
                repairs = repairs with { BaselineObjects = tables.Objects.Count, BaselineDigest = tables.Digest() };
            }
        }

        transaction.Commit();
        return repairs;
    }

    /// <summary>Logs what <see cref="Prepare"/> did: a restored trigger means someone changed the folder outside Warden.</summary>
    public static void Report(IntegrityRepairs repairs, ILogger logger)
    {
        foreach (string trigger in repairs.RestoredTriggers)
        {
            Log.LogTriggerRestored(logger, trigger);
        }

        if (repairs.BaselineDigest is { } digest)
        {
            Log.ConfigBaselineLogged(logger, repairs.BaselineObjects ?? 0, digest);
        }
    }
}

/// <summary>What the start repaired: triggers restored, and the baseline entry written (its object count and digest), if any.</summary>
internal sealed record IntegrityRepairs(IReadOnlyList<string> RestoredTriggers, int? BaselineObjects, string? BaselineDigest);
