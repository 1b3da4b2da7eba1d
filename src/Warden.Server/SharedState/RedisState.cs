using System.Collections.Concurrent;
using StackExchange.Redis;
using Warden.Server.Telemetry;

namespace Warden.Server.SharedState;

/// <summary>
/// This node's link to the Redis its nodes share (issue 24): the connection, whether it is usable, the live node count,
/// and the heartbeat that announces the node, renews its concurrency leases and notices Redis coming back.
/// <para>
/// Degraded means Redis cannot be used: it was unreachable at start, or a command failed or timed out. Then every
/// limit falls back to this node's local share (<see cref="LastKnownNodes"/> divides it), cool-downs and circuits stay
/// local, the change is logged once, and <c>/readyz</c> and the <c>warden.shared_state.degraded</c> metric say so. Only
/// the heartbeat tries Redis again, so a request never waits on a Redis that is gone; its first success ends the
/// degraded state. docs/operations.md ("Redis") describes what is shared and the bounds.
/// </para>
/// </summary>
internal sealed class RedisState : BackgroundService
{
    private const string Prefix = "{warden}:";
    private static readonly RedisKey NodesKey = Prefix + "nodes";

    private readonly ConnectionMultiplexer _connection;
    private readonly SharedStateOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, RedisKey[]> _leases = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _nextLease;
    private bool _degraded;
    private bool _announced;
    private bool _disposed;

    private RedisState(ConnectionMultiplexer connection, SharedStateOptions options, TimeProvider time, ILogger logger)
    {
        _connection = connection;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>This node's name among the nodes (fresh at each start: a restarted node is a new node).</summary>
    public string NodeId { get; } = Guid.NewGuid().ToString("N");

    public SharedStateOptions Options => _options;

    /// <summary>True while Redis cannot be used and the limits are local shares.</summary>
    public bool Degraded
    {
        get
        {
            lock (_gate)
            {
                return _degraded;
            }
        }
    }

    /// <summary>Live nodes as last counted in Redis, this one included; 1 until a count succeeds (docs/operations.md).</summary>
    public int LastKnownNodes { get; private set; } = 1;

    /// <summary>The database when Redis is usable now; null when degraded (the caller falls back).</summary>
    public IDatabase? Database
    {
        get
        {
            if (Degraded)
            {
                return null;
            }

            if (!_connection.IsConnected)
            {
                Failed("the connection to Redis is down");
                return null;
            }

            return _connection.GetDatabase();
        }
    }

    /// <summary>Connects without requiring Redis to be up: an unreachable Redis is a degraded start, not a failed one.</summary>
    public static RedisState Connect(SharedStateOptions options, TimeProvider time, ILogger logger)
    {
        var configuration = ConfigurationOptions.Parse(options.Redis);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ConnectTimeout = (int)options.CommandTimeout.TotalMilliseconds;
        configuration.SyncTimeout = (int)options.CommandTimeout.TotalMilliseconds;
        configuration.AsyncTimeout = (int)options.CommandTimeout.TotalMilliseconds;
        configuration.ConnectRetry = 1;

        // Reconnect at the heartbeat's pace: the client's default backs off exponentially, which would keep a node on its
        // local share long after Redis is back.
        configuration.ReconnectRetryPolicy = new LinearRetry((int)options.HeartbeatInterval.TotalMilliseconds);
        configuration.ClientName = "warden";
        return new RedisState(ConnectionMultiplexer.Connect(configuration), options, time, logger);
    }

    /// <summary>The first heartbeat before the periodic ones: the node is counted (or known degraded) from the start.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await BeatAsync();
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Whether an exception from a Redis call means Redis is unusable (as opposed to a bug).</summary>
    public static bool IsUnreachable(Exception ex) => ex is RedisException or TimeoutException or ObjectDisposedException;

    public static RedisKey Key(string name) => Prefix + name;

    /// <summary>A fresh lease member, unique across nodes.</summary>
    public string NewLeaseMember() => NodeId + ":" + Interlocked.Increment(ref _nextLease).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Renews the lease at every heartbeat until <see cref="Forget"/>.</summary>
    public void Hold(string member, RedisKey[] leaseSets) => _leases[member] = leaseSets;

    public void Forget(string member) => _leases.TryRemove(member, out _);

    /// <summary>A Redis call failed: degraded from now until a heartbeat succeeds. Logged on the change only.</summary>
    public void Failed(Exception ex) => Failed(ex.GetType().Name);

    private void Failed(string reason)
    {
        lock (_gate)
        {
            if (_degraded)
            {
                return;
            }

            _degraded = true;
        }

        Log.SharedStateDegraded(_logger, reason, LastKnownNodes);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await BeatAsync();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>One heartbeat: announce, renew, count; its success ends a degraded state.</summary>
    private async Task BeatAsync()
    {
        if (!_connection.IsConnected)
        {
            Failed("Redis is unreachable");
            return;
        }

        var keys = new List<RedisKey> { NodesKey };
        var values = new List<RedisValue>
        {
            NodeId, (long)_options.NodeExpiry.TotalMilliseconds, (long)_options.LeaseExpiry.TotalMilliseconds,
        };
        foreach (var (member, sets) in _leases)
        {
            foreach (var set in sets)
            {
                keys.Add(set);
                values.Add(member);
            }
        }

        try
        {
            var result = await _connection.GetDatabase().ScriptEvaluateAsync(RedisScripts.Heartbeat, [.. keys], [.. values]);
            LastKnownNodes = Math.Max(1, (int)result);
        }
        catch (Exception ex) when (IsUnreachable(ex))
        {
            Failed(ex);
            return;
        }

        bool recovered;
        lock (_gate)
        {
            recovered = _degraded;
            _degraded = false;
        }

        if (!_announced)
        {
            _announced = true;
            Log.SharedStateConnected(_logger, LastKnownNodes);
        }
        else if (recovered)
        {
            Log.SharedStateRecovered(_logger, LastKnownNodes);
        }
    }

    public override void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        base.Dispose();
        try
        {
            // Leaving: the others' local shares grow at once instead of after the node expiry.
            if (_connection.IsConnected)
            {
                _connection.GetDatabase().SortedSetRemove(NodesKey, NodeId);
            }
        }
        catch (Exception ex) when (IsUnreachable(ex))
        {
            // Gone anyway; the entry expires.
        }

        _connection.Dispose();
    }
}
