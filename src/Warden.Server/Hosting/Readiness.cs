using System.Data.Common;
using Warden.Server.Routing;
using Warden.Server.Storage;

namespace Warden.Server.Hosting;

/// <summary>
/// Whether this server should get traffic (<c>/readyz</c>): its database answers a query, at least one upstream key
/// of an enabled channel can take a request (its circuit is not open), and it is not draining (stopping: in-flight
/// requests finish, new ones belong on another node). Each check says only ok or a short reason, never a name,
/// address or credential, since the endpoint needs no key.
/// </summary>
/// <remarks>With Redis configured a fourth check, <c>redis</c>, passes even when Redis cannot be used (the node then
/// enforces its local share of each limit, safe but smaller) and says so as degraded: taking every node out of the
/// balancer because Redis went away would turn a Redis outage into a full one (docs/operations.md, "Redis").</remarks>
internal sealed class Readiness(
    WardenDatabase database, ChannelCatalog catalog, UpstreamHealth health, IHostApplicationLifetime lifetime, SharedState.RedisState? shared = null)
{
    public const string Database = "database";
    public const string Channels = "channels";
    public const string Draining = "draining";
    public const string Redis = "redis";

    public IReadOnlyList<ReadinessCheck> Check()
    {
        return shared is null ? [CheckDatabase(), CheckChannels(), CheckDraining()] : [CheckDatabase(), CheckChannels(), CheckDraining(), CheckRedis(shared)];
    }

    private static ReadinessCheck CheckRedis(SharedState.RedisState shared) => shared.Degraded
        ? new ReadinessCheck(Redis, true, $"Redis cannot be used: each limit is this node's local share (1/{shared.LastKnownNodes})", Degraded: true)
        : new ReadinessCheck(Redis, true, null);

    private ReadinessCheck CheckDatabase()
    {
        try
        {
            // Reads a table, so the file (or the server's storage) itself is read, not just a connection opened.
            using var connection = database.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM schema_migrations";
            command.ExecuteScalar();
            return new ReadinessCheck(Database, true, null);
        }
        catch (Exception ex) when (ex is DbException or IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            return new ReadinessCheck(Database, false, "the database did not answer a query");
        }
    }

    private ReadinessCheck CheckChannels()
    {
        bool any = false;
        foreach (var (model, target) in catalog.AllTargets())
        {
            any = true;
            if (health.Snapshot(RouteLeg.HealthKey(target, model)).State != "open")
            {
                return new ReadinessCheck(Channels, true, null);
            }
        }

        return new ReadinessCheck(Channels, false, any ? "every upstream key's circuit is open" : "no enabled channel serves a model");
    }

    private ReadinessCheck CheckDraining() => lifetime.ApplicationStopping.IsCancellationRequested
        ? new ReadinessCheck(Draining, false, "the server is stopping and drains its in-flight requests")
        : new ReadinessCheck(Draining, true, null);
}
