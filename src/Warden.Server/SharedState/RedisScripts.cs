namespace Warden.Server.SharedState;

/// <summary>
/// The Lua scripts Redis runs atomically for the shared state. Every time comes from the server's own clock
/// (<c>TIME</c>, in milliseconds), never a node's, so clock skew between nodes cannot admit more than the limit.
/// Token buckets keep the same arithmetic as <see cref="Billing.TokenBucket"/>: the level is in 1/60,000ths of a
/// token (a bucket refills <c>capacity</c> of them per millisecond), kept as an integer in a hash
/// (<c>c</c> capacity, <c>l</c> level, <c>t</c> last refill) and written with %.0f so no digit is lost; an absent or
/// re-sized bucket is full. Every key is under the <c>{warden}</c> hash tag, so one script's keys share a slot.
/// </summary>
internal static class RedisScripts
{
    /// <summary>Shared by the bucket scripts: the server's time and the refilled level of a bucket.</summary>
    private const string Buckets = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local function level(key, cap)
          local full = cap * 60000
          local h = redis.call('HMGET', key, 'c', 'l', 't')
          if tonumber(h[1]) ~= cap then return full end
          local l = tonumber(h[2])
          local last = tonumber(h[3])
          if now > last then l = math.min(full, l + (now - last) * cap) end
          return l
        end
        local function store(key, cap, l)
          redis.call('HSET', key, 'c', string.format('%.0f', cap), 'l', string.format('%.0f', l), 't', string.format('%.0f', now))
          -- Full again after (full - l) / cap ms; an absent bucket reads as full, so the key may go then.
          redis.call('PEXPIRE', key, math.ceil((cap * 60000 - l) / cap) + 1000)
        end
        """;

    /// <summary>
    /// Admits one request against every limit at once or refuses it taking nothing. KEYS: per limit its requests
    /// bucket, tokens bucket and lease set. ARGV: tokens, lease member, lease expiry ms, limit count, then per limit
    /// requests/minute, tokens/minute, concurrent (0 = none). Answers {1} or {0, wait ms, limit index, kind} with
    /// kind 1 concurrency, 2 requests, 3 tokens (the longest wait among the refusing limits, as in-process).
    /// </summary>
    public const string Acquire = Buckets + """

        local tokens = tonumber(ARGV[1])
        local member = ARGV[2]
        local leaseMs = tonumber(ARGV[3])
        local n = tonumber(ARGV[4])
        local wait, index, kind = -1, 0, 0
        local levels = {}
        local function refuse(w, i, k)
          if index == 0 or w > wait then wait, index, kind = w, i, k end
        end
        local function short(l, cap, amount)
          local threshold = amount * 60000
          if amount > cap then threshold = cap * 60000 end
          if l >= threshold then return 0 end
          return math.ceil((threshold - l) / cap)
        end
        for i = 1, n do
          local rpm, tpm, conc = tonumber(ARGV[2 + i * 3]), tonumber(ARGV[3 + i * 3]), tonumber(ARGV[4 + i * 3])
          local leases = KEYS[i * 3]
          redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
          if conc > 0 and redis.call('ZCARD', leases) >= conc then refuse(1000, i, 1) end
          if rpm > 0 then
            local l = level(KEYS[i * 3 - 2], rpm)
            levels[i * 2 - 1] = l
            local w = short(l, rpm, 1)
            if w > 0 then refuse(w, i, 2) end
          end
          if tokens > 0 and tpm > 0 then
            local l = level(KEYS[i * 3 - 1], tpm)
            levels[i * 2] = l
            local w = short(l, tpm, tokens)
            if w > 0 then refuse(w, i, 3) end
          end
        end
        if index > 0 then return {0, wait, index, kind} end
        for i = 1, n do
          local rpm, tpm = tonumber(ARGV[2 + i * 3]), tonumber(ARGV[3 + i * 3])
          if rpm > 0 then store(KEYS[i * 3 - 2], rpm, levels[i * 2 - 1] - 60000) end
          if tokens > 0 and tpm > 0 then store(KEYS[i * 3 - 1], tpm, levels[i * 2] - tokens * 60000) end
          -- Every admitted request holds a lease, limited or not, so a concurrency limit set later counts it too.
          redis.call('ZADD', KEYS[i * 3], now + leaseMs, member)
          redis.call('PEXPIRE', KEYS[i * 3], leaseMs + 1000)
        end
        return {1}
        """;

    /// <summary>
    /// Ends a lease and gives unused tokens back. KEYS: per limit its tokens bucket and lease set. ARGV: lease
    /// member, unused tokens, limit count, then per limit tokens/minute (0 = none).
    /// </summary>
    public const string Release = Buckets + """

        local member = ARGV[1]
        local unused = tonumber(ARGV[2])
        local n = tonumber(ARGV[3])
        for i = 1, n do
          redis.call('ZREM', KEYS[i * 2], member)
          local tpm = tonumber(ARGV[3 + i])
          if unused > 0 and tpm > 0 and redis.call('EXISTS', KEYS[i * 2 - 1]) == 1 then
            store(KEYS[i * 2 - 1], tpm, math.min(tpm * 60000, level(KEYS[i * 2 - 1], tpm) + unused * 60000))
          end
        end
        return 1
        """;

    /// <summary>
    /// A node's heartbeat: announces it, renews its running requests' leases (only those still there: a lease that
    /// expired may have been given to someone else), and counts the live nodes. KEYS: the node set, then lease sets.
    /// ARGV: node id, node expiry ms, lease expiry ms, then one lease member per lease set.
    /// </summary>
    public const string Heartbeat = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local leaseMs = tonumber(ARGV[3])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
        redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 1000)
        for i = 2, #KEYS do
          if redis.call('ZADD', KEYS[i], 'XX', 'CH', now + leaseMs, ARGV[i + 2]) == 1 then
            redis.call('PEXPIRE', KEYS[i], leaseMs + 1000)
          end
        end
        return redis.call('ZCARD', KEYS[1])
        """;

    /// <summary>
    /// One key's shared health in ms from now: {cooling?, cooling ms, open?, open ms} (open ms negative once
    /// half-open). KEYS: cool-down key, circuit key.
    /// </summary>
    public const string ReadHealth = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local cool = tonumber(redis.call('GET', KEYS[1]))
        local open = tonumber(redis.call('GET', KEYS[2]))
        local r = {0, 0, 0, 0}
        if cool and cool > now then r[1] = 1; r[2] = cool - now end
        if open then r[3] = 1; r[4] = open - now end
        return r
        """;

    /// <summary>Cools a key for ARGV[1] ms unless a later end is already there. KEYS: cool-down key.</summary>
    public const string CoolDown = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local ms = tonumber(ARGV[1])
        local current = tonumber(redis.call('GET', KEYS[1]))
        if ms > 0 and (not current or now + ms > current) then
          redis.call('SET', KEYS[1], string.format('%.0f', now + ms), 'PX', ms)
        end
        return 1
        """;

    /// <summary>
    /// Opens a key's circuit for ARGV[1] ms. The record outlives that by as long again (the half-open time every
    /// node's probe has to close it) and then goes. KEYS: circuit key.
    /// </summary>
    public const string Open = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local ms = tonumber(ARGV[1])
        redis.call('SET', KEYS[1], string.format('%.0f', now + ms), 'PX', ms * 2)
        return 1
        """;
}
