using Warden.Server.Hosting;
using Warden.Server.Keys;
using Warden.Server.SharedState;
using Warden.Server.Simulator;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.SharedState;

/// <summary>
/// Two Warden nodes as a cluster runs them: real Kestrel servers on 127.0.0.1 sharing one SQLite data folder and one
/// real redis-server, with one simulator as their upstream, and a client key both know.
/// </summary>
internal sealed class SharedNodes : IAsyncDisposable
{
    /// <summary>Short heartbeats and expiries so the tests see leases expire and Redis come back within seconds.</summary>
    public static SharedStateOptions Options(RedisServer redis) => new(redis.Endpoint)
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        NodeExpiry = TimeSpan.FromSeconds(2),
        LeaseExpiry = TimeSpan.FromSeconds(2),
        CommandTimeout = TimeSpan.FromSeconds(1),
    };

    private SharedNodes(RedisServer redis, SimulatorHost simulator, WardenTestServer a, WardenTestServer b, string key, string keyId)
    {
        Redis = redis;
        Simulator = simulator;
        A = a;
        B = b;
        Key = key;
        KeyId = keyId;
    }

    public RedisServer Redis { get; }

    public SimulatorHost Simulator { get; }

    public WardenTestServer A { get; }

    public WardenTestServer B { get; }

    public string Key { get; }

    public string KeyId { get; }

    /// <param name="models">Models of the shared simulator channel.</param>
    /// <param name="health">Upstream health tuning of both nodes, when a test needs short circuits.</param>
    public static async Task<SharedNodes> StartAsync(string[] models, Warden.Server.Routing.HealthOptions? health = null)
    {
        var redis = await RedisServer.StartAsync();
        var simulator = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0 }, CancellationToken.None);
        WardenOptions Configure(WardenOptions o) => o with
        {
            EnableSimulator = false,
            SharedState = Options(redis),
            Health = health ?? o.Health,
        };
        var a = await WardenTestServer.StartAsync(Configure);
        var b = await WardenTestServer.StartAsync(Configure, a.DataDirectory);
        a.AddChannel("simulator", "sim", simulator.BaseUrl, null, 10, models);
        var issued = a.App.Data.KeyIssuer.Issue("shared-key", KeyRole.Client, null, null);
        a.Reload();
        b.Reload();
        return new SharedNodes(redis, simulator, a, b, issued.Plaintext, issued.Key.Id);
    }

    /// <summary>Sets the key's limits in the shared database and has both nodes read them.</summary>
    public void SetLimits(long? requestsPerMinute, long? tokensPerMinute, int? concurrent)
    {
        Assert.Null(A.App.Data.Billing.RateLimits.Set(new Warden.Server.Billing.RateLimits("key", KeyId, requestsPerMinute, tokensPerMinute, concurrent)));
        A.Reload();
        B.Reload();
    }

    public async ValueTask DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
        await Simulator.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
