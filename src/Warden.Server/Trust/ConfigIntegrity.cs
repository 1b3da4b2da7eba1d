using Warden.Server.Storage;
using Warden.Server.Telemetry;

namespace Warden.Server.Trust;

/// <summary>
/// What a server checks about its own data folder before it serves (issue 19): the log's append-only triggers are in
/// place (put back, with a critical log line, when not), the log commits to the configuration (a folder from before the
/// commitments gets one baseline entry of its configuration as it is, once), and the tables are what the log committed
/// (when not, the start is refused naming every object that differs, as for a log that was rewritten).
/// </summary>
internal static class ConfigIntegrity
{
    /// <summary>Throws <see cref="InvalidDataException"/> when the tables differ from the log.</summary>
    public static void AtStart(WardenDatabase database, ILogger logger)
    {
        using var connection = database.Open();
        foreach (string trigger in LogTriggers.Restore(connection))
        {
            Log.LogTriggerRestored(logger, trigger);
        }

        using var transaction = connection.BeginTransaction(deferred: false);
        var tables = ConfigState.Read(connection, transaction);
        if (ConfigCommitments.Verify(connection, transaction, tables, database.CurrentActor, database.Time.GetUtcNow()))
        {
            Log.ConfigBaselineLogged(logger, tables.Objects.Count, tables.Digest());
        }

        transaction.Commit();
    }
}
