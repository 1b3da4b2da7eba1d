using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Warden.Server.Billing;
using Warden.Server.SharedState;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.SharedState;

/// <summary>
/// <see cref="RedisRateLimiter"/> against a real redis-server, node by node: the same token-bucket answers as the
/// in-process limiter, leases that outlive their expiry while renewed and come back when their holder dies, and a local
/// share (never no limit) when Redis cannot be reached.
/// </summary>
public sealed class RedisRateLimiterTests
{
    private static readonly SharedStateOptions Fast = new("unused")
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        NodeExpiry = TimeSpan.FromSeconds(2),
        LeaseExpiry = TimeSpan.FromSeconds(1),
    };

    [RedisFact]
    public async Task LeaseOfAKilledHolder_ComesBackAfterItsExpiry()
    {
        await using var redis = await RedisServer.StartAsync();
        var holder = await StartNodeAsync(redis);
        using var other = await StartNodeAsync(redis);
        var limits = new[] { new RateLimits("key", "k-crash", null, null, 1) };

        var held = new RedisRateLimiter(holder, TimeProvider.System).TryAcquire(limits, 0);
        Assert.True(held.Allowed);
        var otherLimiter = new RedisRateLimiter(other, TimeProvider.System);
        var refused = otherLimiter.TryAcquire(limits, 0);
        Assert.False(refused.Allowed);
        Assert.Contains("concurrency limit", refused.Problem, StringComparison.Ordinal);

        // The holder dies without ending its request: no release, no more renewals.
        await holder.StopAsync(CancellationToken.None);
        holder.Dispose();

        RateLimitDecision? after = null;
        Assert.True(await SharedLimitsTests.EventuallyAsync(() =>
        {
            after = otherLimiter.TryAcquire(limits, 0);
            return Task.FromResult(after.Allowed);
        }), "the dead holder's lease never expired");
        after!.Lease!.Dispose();
    }

    [RedisFact]
    public async Task LeaseOfALiveHolder_IsRenewedPastItsExpiry_AndFreedAtOnceWhenTheRequestEnds()
    {
        await using var redis = await RedisServer.StartAsync();
        using var holder = await StartNodeAsync(redis);
        using var other = await StartNodeAsync(redis);
        var limits = new[] { new RateLimits("key", "k-live", null, null, 1) };
        var held = new RedisRateLimiter(holder, TimeProvider.System).TryAcquire(limits, 0);
        Assert.True(held.Allowed);
        var otherLimiter = new RedisRateLimiter(other, TimeProvider.System);

        // Three lease expiries go by while the holder's heartbeat renews the lease: the slot stays taken throughout.
        var running = Stopwatch.StartNew();
        while (running.Elapsed < 3 * Fast.LeaseExpiry)
        {
            Assert.False(otherLimiter.TryAcquire(limits, 0).Allowed);
            await Task.Delay(50);
        }

        held.Lease!.Complete(0);
        var next = otherLimiter.TryAcquire(limits, 0);
        Assert.True(next.Allowed);
        next.Lease!.Dispose();
    }

    [RedisFact]
    public async Task TokenBuckets_AnswerAsInProcess_RetryAfterIsTheRealWait_AndUnusedTokensGoBack()
    {
        await using var redis = await RedisServer.StartAsync();
        using var node = await StartNodeAsync(redis);
        var limiter = new RedisRateLimiter(node, TimeProvider.System);

        var requests = new[] { new RateLimits("key", "k-rpm", 2, null, null) };
        limiter.TryAcquire(requests, 0).Lease!.Dispose();
        limiter.TryAcquire(requests, 0).Lease!.Dispose();
        var third = limiter.TryAcquire(requests, 0);
        Assert.False(third.Allowed);
        Assert.Contains("request rate limit (2 per minute)", third.Problem, StringComparison.Ordinal);
        Assert.InRange(third.RetryAfter.TotalSeconds, 15, 30);   // one request refills in 30 s, less the time the two took

        // Tokens: 600 taken, 100 used, 500 back; 900 more fit only because they came back.
        var tokens = new[] { new RateLimits("key", "k-tpm", null, 1_000, null) };
        var first = limiter.TryAcquire(tokens, 600);
        first.Lease!.Complete(100);
        var second = limiter.TryAcquire(tokens, 900);
        Assert.True(second.Allowed, second.Problem);
        second.Lease!.Complete(900);

        // A take larger than the whole capacity passes from a full bucket and leaves it in debt, as in-process.
        var debt = new[] { new RateLimits("key", "k-debt", null, 1_000, null) };
        limiter.TryAcquire(debt, 5_000).Lease!.Dispose();
        var refused = limiter.TryAcquire(debt, 10);
        Assert.False(refused.Allowed);
        Assert.InRange(refused.RetryAfter.TotalSeconds, 200, 300);
    }

    [Fact]
    public async Task RedisUnreachableAtStart_IsDegraded_AndStillEnforcesTheLimit_NeverUnlimited()
    {
        // A port nothing listens on: the node starts degraded and, knowing of no other node, enforces the whole limit itself.
        using var node = RedisState.Connect(Fast with { Redis = "127.0.0.1:" + FreePort() }, TimeProvider.System, NullLogger.Instance);
        await node.StartAsync(CancellationToken.None);
        Assert.True(node.Degraded);
        Assert.Equal(1, node.LastKnownNodes);

        var limiter = new RedisRateLimiter(node, TimeProvider.System);
        var limits = new[] { new RateLimits("key", "k-down", 2, null, null) };
        Assert.True(limiter.TryAcquire(limits, 0).Allowed);
        Assert.True(limiter.TryAcquire(limits, 0).Allowed);
        Assert.False(limiter.TryAcquire(limits, 0).Allowed);
        await node.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void LocalShare_DividesEachLimitByTheNodes_RoundingDown_ButNeverBelowOne()
    {
        var share = RedisRateLimiter.LocalShare(new RateLimits("tenant", "t", 10, 1_000, 2), 3);
        Assert.Equal(new RateLimits("tenant", "t", 3, 333, 1), share);
        Assert.Equal(new RateLimits("key", "k", null, null, null), RedisRateLimiter.LocalShare(new RateLimits("key", "k", null, null, null), 4));
    }

    private static async Task<RedisState> StartNodeAsync(RedisServer redis)
    {
        var node = RedisState.Connect(Fast with { Redis = redis.Endpoint }, TimeProvider.System, NullLogger.Instance);
        await node.StartAsync(CancellationToken.None);
        Assert.False(node.Degraded);
        return node;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
