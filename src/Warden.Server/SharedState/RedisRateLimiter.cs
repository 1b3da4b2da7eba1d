using System.Globalization;
using StackExchange.Redis;
using Warden.Server.Billing;

namespace Warden.Server.SharedState;

/// <summary>
/// The rate limits shared by every node through Redis: one atomic script admits a request against all its limits on
/// the Redis server's clock (<see cref="RedisScripts.Acquire"/>), so N per minute across the cluster means N. A
/// concurrency slot is a lease in a sorted set scored by its expiry, renewed by the node's heartbeat while the
/// request runs, so a crashed node's slots come back within <see cref="SharedStateOptions.LeaseExpiry"/>. When Redis
/// cannot be used, the node enforces its local share of each limit instead (the limit divided by the live node
/// count, at least 1), never no limit.
/// </summary>
internal sealed class RedisRateLimiter(RedisState node, TimeProvider time) : IRateLimiter
{
    private static readonly TimeSpan ConcurrencyHint = TimeSpan.FromSeconds(1);

    private readonly RateLimiter _local = new(time);

    public RateLimitDecision TryAcquire(IReadOnlyList<RateLimits> limits, long tokens)
    {
        if (limits.Count > 0 && node.Database is { } database)
        {
            try
            {
                return Shared(database, limits, tokens);
            }
            catch (Exception ex) when (RedisState.IsUnreachable(ex))
            {
                node.Failed(ex);
            }
        }

        int nodes = node.LastKnownNodes;
        return _local.TryAcquire(nodes == 1 ? limits : [.. limits.Select(l => LocalShare(l, nodes))], tokens);
    }

    /// <summary>This node's part of a limit while it cannot see the others: 1/nodes of it, rounded down but at least 1.</summary>
    public static RateLimits LocalShare(RateLimits limits, int nodes) => limits with
    {
        RequestsPerMinute = limits.RequestsPerMinute is { } rpm ? Math.Max(1, rpm / nodes) : null,
        TokensPerMinute = limits.TokensPerMinute is { } tpm ? Math.Max(1, tpm / nodes) : null,
        Concurrent = limits.Concurrent is { } concurrent ? Math.Max(1, concurrent / nodes) : null,
    };

    private RateLimitDecision Shared(IDatabase database, IReadOnlyList<RateLimits> limits, long tokens)
    {
        string member = node.NewLeaseMember();
        var keys = new RedisKey[limits.Count * 3];
        var values = new RedisValue[4 + (limits.Count * 3)];
        values[0] = tokens;
        values[1] = member;
        values[2] = (long)node.Options.LeaseExpiry.TotalMilliseconds;
        values[3] = limits.Count;
        for (int i = 0; i < limits.Count; i++)
        {
            var limit = limits[i];
            string subject = Subject(limit);
            keys[i * 3] = RedisState.Key(subject + ":rpm");
            keys[(i * 3) + 1] = RedisState.Key(subject + ":tpm");
            keys[(i * 3) + 2] = RedisState.Key(subject + ":leases");
            values[4 + (i * 3)] = limit.RequestsPerMinute ?? 0;
            values[5 + (i * 3)] = limit.TokensPerMinute ?? 0;
            values[6 + (i * 3)] = limit.Concurrent ?? 0;
        }

        var answer = (long[])database.ScriptEvaluate(RedisScripts.Acquire, keys, values)!;
        if (answer[0] != 1)
        {
            var limit = limits[(int)answer[2] - 1];
            string problem = answer[3] switch
            {
                1 => $"{limit.Scope} concurrency limit ({limit.Concurrent} requests at once) reached",
                2 => $"{limit.Scope} request rate limit ({limit.RequestsPerMinute} per minute) reached",
                _ => $"{limit.Scope} token rate limit ({limit.TokensPerMinute} per minute) reached",
            };
            return new RateLimitDecision(null, answer[3] == 1 ? ConcurrencyHint : TimeSpan.FromMilliseconds(answer[1]), problem);
        }

        var leaseSets = new RedisKey[limits.Count];
        var releaseKeys = new RedisKey[limits.Count * 2];
        var releaseValues = new RedisValue[3 + limits.Count];
        releaseValues[0] = member;
        releaseValues[2] = limits.Count;
        for (int i = 0; i < limits.Count; i++)
        {
            leaseSets[i] = keys[(i * 3) + 2];
            releaseKeys[i * 2] = keys[(i * 3) + 1];
            releaseKeys[(i * 2) + 1] = keys[(i * 3) + 2];
            releaseValues[3 + i] = limits[i].TokensPerMinute ?? 0;
        }

        node.Hold(member, leaseSets);
        return new RateLimitDecision(new RateLimitLease(tokens, unused => Release(member, releaseKeys, releaseValues, unused)), TimeSpan.Zero, null);
    }

    private void Release(string member, RedisKey[] keys, RedisValue[] values, long unusedTokens)
    {
        node.Forget(member);
        if (node.Database is not { } database)
        {
            // The lease expires in Redis on its own (or Redis restarted without it).
            return;
        }

        values[1] = unusedTokens;
        try
        {
            database.ScriptEvaluate(RedisScripts.Release, keys, values);
        }
        catch (Exception ex) when (RedisState.IsUnreachable(ex))
        {
            node.Failed(ex);
        }
    }

    /// <summary>A limit's keys: its scope and subject id (a tenant or key id, never a key's secret).</summary>
    private static string Subject(RateLimits limits) =>
        string.Create(CultureInfo.InvariantCulture, $"rl:{limits.Scope}:{limits.SubjectId}");
}
