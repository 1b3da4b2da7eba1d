using StackExchange.Redis;
using Warden.Server.Routing;

namespace Warden.Server.SharedState;

/// <summary>
/// Cool-downs and open circuits shared through Redis: one string key each, holding the end time on the Redis server's
/// clock and expiring by itself (a circuit's record lasts as long again past its opening, the half-open time). While
/// Redis cannot be used nothing is read or written and each node keeps its own health, as without Redis.
/// </summary>
internal sealed class RedisHealthShare(RedisState node) : IHealthShare
{
    public SharedKeyHealth? Read(string keyId)
    {
        if (node.Database is not { } database)
        {
            return null;
        }

        try
        {
            var answer = (long[])database.ScriptEvaluate(RedisScripts.ReadHealth, [CoolKey(keyId), OpenKey(keyId)])!;
            return answer[0] == 0 && answer[2] == 0
                ? SharedKeyHealth.None
                : new SharedKeyHealth(
                    answer[0] == 1 ? TimeSpan.FromMilliseconds(answer[1]) : null,
                    answer[2] == 1 ? TimeSpan.FromMilliseconds(answer[3]) : null);
        }
        catch (Exception ex) when (RedisState.IsUnreachable(ex))
        {
            node.Failed(ex);
            return null;
        }
    }

    public void CoolDown(string keyId, TimeSpan wait) =>
        Run(RedisScripts.CoolDown, CoolKey(keyId), (long)Math.Ceiling(wait.TotalMilliseconds));

    public void Open(string keyId, TimeSpan openFor) =>
        Run(RedisScripts.Open, OpenKey(keyId), Math.Max(1, (long)Math.Ceiling(openFor.TotalMilliseconds)));

    public void Close(string keyId)
    {
        if (node.Database is not { } database)
        {
            return;
        }

        try
        {
            database.KeyDelete(OpenKey(keyId));
        }
        catch (Exception ex) when (RedisState.IsUnreachable(ex))
        {
            node.Failed(ex);
        }
    }

    private void Run(string script, RedisKey key, long milliseconds)
    {
        if (node.Database is not { } database)
        {
            return;
        }

        try
        {
            database.ScriptEvaluate(script, [key], [milliseconds]);
        }
        catch (Exception ex) when (RedisState.IsUnreachable(ex))
        {
            node.Failed(ex);
        }
    }

    private static RedisKey CoolKey(string keyId) => RedisState.Key("cool:" + keyId);

    private static RedisKey OpenKey(string keyId) => RedisState.Key("open:" + keyId);
}
