namespace Warden.Server.SharedState;

/// <summary>Where the nodes share their fast state (<c>warden serve --redis</c> or <c>WARDEN_REDIS</c>) and its timing.</summary>
/// <param name="Redis">HOST:PORT of the Redis server (StackExchange.Redis configuration syntax, so options such as
/// <c>,password=...</c> may follow).</param>
internal sealed record SharedStateOptions(string Redis)
{
    /// <summary>How often a node announces itself, renews its leases and, while degraded, tries Redis again (on the
    /// server's injected clock; every expiry itself runs on the Redis server's clock).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A node that has not announced itself for this long no longer counts among the live nodes.</summary>
    public TimeSpan NodeExpiry { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A concurrency lease not renewed for this long is gone: the bound on how long a crashed node's requests keep
    /// holding slots. Several heartbeats long, so one late renewal does not drop a live request's lease.
    /// </summary>
    public TimeSpan LeaseExpiry { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one Redis command may take before the node treats Redis as gone and falls back.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(1);
}
