using Warden.Server.Storage;

namespace Warden.Server.Billing;

/// <summary>
/// Holds the current <see cref="BillingSnapshot"/> and swaps it atomically, like <c>ChannelCatalog</c> does for
/// routes: a request reads one immutable snapshot with no lock and no query. Every billing write in this process
/// reloads it right after its commit, so the very next request sees the change; a change made by another process
/// (the CLI) bumps the configuration version in the same transaction, and the server's <c>ConfigReloader</c>
/// reloads this catalog when it sees the new version.
/// </summary>
internal sealed class BillingCatalog(WardenDatabase database)
{
    private readonly Lock _gate = new();
    private BillingSnapshot? _snapshot;
    private long _loads;

    /// <summary>The snapshot in force (loaded on first use).</summary>
    public BillingSnapshot Current => Volatile.Read(ref _snapshot) ?? LoadFirst();

    /// <summary>How many times the snapshot has been read from the database: lets tests see that a request read none.</summary>
    public long Loads => Interlocked.Read(ref _loads);

    /// <summary>
    /// Reads a fresh snapshot and publishes it. Loads are serialised, so a load that began after a commit is never
    /// overtaken by one that began before it: once this returns, the published snapshot includes every change
    /// committed before the call.
    /// </summary>
    public BillingSnapshot Reload()
    {
        lock (_gate)
        {
            return Load();
        }
    }

    private BillingSnapshot LoadFirst()
    {
        lock (_gate)
        {
            return Volatile.Read(ref _snapshot) ?? Load();
        }
    }

    private BillingSnapshot Load()
    {
        BillingSnapshot snapshot;
        using (var connection = database.Open())
        using (var transaction = connection.BeginRead())
        {
            snapshot = BillingSnapshot.Read(connection, transaction);
            transaction.Commit();
        }

        Volatile.Write(ref _snapshot, snapshot);
        Interlocked.Increment(ref _loads);
        return snapshot;
    }
}
