using System.Collections.Concurrent;
using Warden.Core.Providers;

namespace Warden.Server.Routing;

/// <summary>
/// Passive health of every upstream key, learnt from the outcome of real attempts (no synthetic probes hit paid APIs).
/// Two independent mechanisms:
/// <list type="bullet">
/// <item>A circuit breaker: <see cref="HealthOptions.FailuresToOpen"/> consecutive failures open it for
/// <see cref="HealthOptions.OpenFor"/>; then it is half-open and exactly one probe attempt may be in flight; the probe's
/// success closes it, its failure re-opens it.</item>
/// <item>A cool-down: a 429 (or a 503/529 with Retry-After) parks the key until the upstream said it would take traffic
/// again. A 429 means "this key is busy", not "this key is broken", so it never counts towards opening the circuit.</item>
/// </list>
/// State is per key, each behind its own small lock, so requests to different keys never contend. With a
/// <see cref="IHealthShare"/> (Redis, issue 24) the cool-downs and open circuits this node decides are published, and the
/// ones other nodes published are folded into this node's state before each decision: a key one node saw fail or
/// throttle is avoided by all. Failures are counted per node; each node sends at most one half-open probe.
/// </summary>
internal sealed class UpstreamHealth(TimeProvider time, HealthOptions? options = null, IHealthShare? share = null)
{
    /// <summary>What <see cref="AvailableIn"/> answers while a half-open probe is in flight: its outcome is due soon, but when is unknown.</summary>
    private static readonly TimeSpan ProbePending = TimeSpan.FromSeconds(1);

    private readonly HealthOptions _options = options ?? new HealthOptions();
    private readonly ConcurrentDictionary<string, KeyState> _keys = new(StringComparer.Ordinal);

    /// <summary>Closed and not cooling, or open past its time with no probe in flight (half-open).</summary>
    public bool IsAdmissible(string keyId)
    {
        var now = time.GetUtcNow();
        if (StateWithShared(keyId, now, create: false) is not { } state)
        {
            return true;
        }

        lock (state.Gate)
        {
            return state.Admissible(now);
        }
    }

    /// <summary>
    /// Claims the key for an attempt about to start. False when it is not admissible now, typically because another
    /// request won the race for the single half-open probe; the caller then moves on to its next candidate.
    /// </summary>
    public bool TryBeginAttempt(string keyId)
    {
        var now = time.GetUtcNow();
        var state = StateWithShared(keyId, now, create: true)!;
        lock (state.Gate)
        {
            if (!state.Admissible(now))
            {
                return false;
            }

            if (state.OpenUntil is not null)
            {
                state.ProbeInFlight = true;
            }

            return true;
        }
    }

    /// <summary>The attempt got a first byte: the key works, so the circuit closes and the failure count restarts.</summary>
    public void ReportSuccess(string keyId, TimeSpan timeToFirstByte)
    {
        var state = _keys.GetOrAdd(keyId, static _ => new KeyState());
        double sample = Math.Max(0, timeToFirstByte.TotalMilliseconds);
        bool wasOpen;
        lock (state.Gate)
        {
            wasOpen = state.OpenUntil is not null;
            state.OpenShared = false;
            state.ConsecutiveFailures = 0;
            state.OpenUntil = null;
            state.ProbeInFlight = false;
            state.LatencyMs = state.LatencyMs is { } average
                ? average + (_options.LatencyAlpha * (sample - average))
                : sample;
        }

        if (wasOpen)
        {
            share?.Close(keyId);
        }
    }

    /// <summary>
    /// The attempt failed. Only failures that say something about the key count (<see cref="UpstreamErrorTreatment.CountsAgainstHealth"/>):
    /// a rejected request or a dropped large body is the client's, an oversized response the answer's, so they just end
    /// a probe. A 429 only cools the key down.
    /// </summary>
    public void ReportFailure(string keyId, UpstreamErrorKind kind, TimeSpan? retryAfter)
    {
        var state = _keys.GetOrAdd(keyId, static _ => new KeyState());
        var now = time.GetUtcNow();
        DateTimeOffset? coolingBefore, openBefore, coolingAfter, openAfter;
        lock (state.Gate)
        {
            coolingBefore = state.CoolingUntil;
            openBefore = state.OpenUntil;
            Judge(state, now, kind, retryAfter);
            coolingAfter = state.CoolingUntil;
            openAfter = state.OpenUntil;
            if (openAfter != openBefore)
            {
                state.OpenShared = false;
            }
        }

        // Published outside the key's lock: the other nodes learn what this one decided, nothing more.
        if (share is not null)
        {
            if (coolingAfter is { } cooling && cooling != coolingBefore)
            {
                share.CoolDown(keyId, cooling - now);
            }

            if (openAfter is not null && openAfter != openBefore)
            {
                share.Open(keyId, _options.OpenFor);
                lock (state.Gate)
                {
                    // Published: from now on the share's closing it (another node's probe succeeded) closes it here too.
                    state.OpenShared = state.OpenUntil == openAfter;
                }
            }
        }
    }

    /// <summary>The failure's effect on the key's state; the caller holds its lock.</summary>
    private void Judge(KeyState state, DateTimeOffset now, UpstreamErrorKind kind, TimeSpan? retryAfter)
    {
        bool wasProbe = state.ProbeInFlight;
        state.ProbeInFlight = false;
        switch (kind)
        {
            case UpstreamErrorKind.RateLimited:
                CoolDown(state, now, retryAfter ?? _options.DefaultCoolDown);
                return;
            case UpstreamErrorKind.Overloaded when retryAfter is { } wait:
                CoolDown(state, now, wait);
                break;
            default:
                break;
        }

        // The one error table says which failures are the key's; the request's own (a 4xx, an oversized answer, a
        // large body the upstream dropped) leave its health alone.
        if (!UpstreamErrorPolicy.For(kind).CountsAgainstHealth)
        {
            return;
        }

        state.ConsecutiveFailures++;
        if (state.OpenUntil is { } openUntil)
        {
            // Half-open (the probe, or a straggler that started before the circuit opened, failed): wait again.
            // While still open, a straggler's failure must not push the probe further out.
            if (wasProbe || now >= openUntil)
            {
                state.OpenUntil = now + _options.OpenFor;
            }
        }
        else if (state.ConsecutiveFailures >= _options.FailuresToOpen)
        {
            state.OpenUntil = now + _options.OpenFor;
        }
    }

    /// <summary>The client went away mid-attempt: that says nothing about the key, but a probe must not stay claimed forever.</summary>
    public void ReportAbandoned(string keyId)
    {
        if (_keys.TryGetValue(keyId, out var state))
        {
            lock (state.Gate)
            {
                state.ProbeInFlight = false;
            }
        }
    }

    /// <summary>Null when the key is admissible now; otherwise how long until it will be.</summary>
    public TimeSpan? AvailableIn(string keyId)
    {
        var now = time.GetUtcNow();
        if (StateWithShared(keyId, now, create: false) is not { } state)
        {
            return null;
        }

        lock (state.Gate)
        {
            if (state.Admissible(now))
            {
                return null;
            }

            var wait = TimeSpan.Zero;
            if (state.CoolingUntil is { } coolingUntil && coolingUntil > now)
            {
                wait = coolingUntil - now;
            }

            if (state.OpenUntil is { } openUntil)
            {
                var untilProbe = openUntil > now ? openUntil - now : ProbePending;
                wait = untilProbe > wait ? untilProbe : wait;
            }

            return wait;
        }
    }

    /// <summary>Moving average of time to first byte in milliseconds; null before the key's first success.</summary>
    public double? LatencyMs(string keyId)
    {
        if (!_keys.TryGetValue(keyId, out var state))
        {
            return null;
        }

        lock (state.Gate)
        {
            return state.LatencyMs;
        }
    }

    public KeyHealthSnapshot Snapshot(string keyId)
    {
        var now = time.GetUtcNow();
        if (StateWithShared(keyId, now, create: false) is not { } state)
        {
            return new KeyHealthSnapshot("closed", 0, null, null, null);
        }

        lock (state.Gate)
        {
            DateTimeOffset? coolingUntil = state.CoolingUntil > now ? state.CoolingUntil : null;
            string name = state.OpenUntil switch
            {
                { } openUntil when openUntil > now => "open",
                _ when coolingUntil is not null => "cooling",
                not null => "half-open",
                null => "closed",
            };
            return new KeyHealthSnapshot(name, state.ConsecutiveFailures, coolingUntil, state.OpenUntil, state.LatencyMs);
        }
    }

    /// <summary>
    /// The key's state with what other nodes published folded in; null when this node knows nothing of the key and
    /// neither does the share (unless <paramref name="create"/>). Without a share this is a plain lookup.
    /// </summary>
    private KeyState? StateWithShared(string keyId, DateTimeOffset now, bool create)
    {
        var shared = share?.Read(keyId);
        bool something = shared is { CoolingFor: not null } or { OpenFor: not null };
        if (!create && !something && !_keys.ContainsKey(keyId))
        {
            return null;
        }

        var state = _keys.GetOrAdd(keyId, static _ => new KeyState());
        if (shared is not null)
        {
            lock (state.Gate)
            {
                Adopt(state, shared, now);
            }
        }

        return state;
    }

    /// <summary>Folds the shared view into the key's state; the caller holds its lock.</summary>
    private static void Adopt(KeyState state, SharedKeyHealth shared, DateTimeOffset now)
    {
        if (shared.CoolingFor is { } cooling && cooling > TimeSpan.Zero && (state.CoolingUntil is not { } current || now + cooling > current))
        {
            state.CoolingUntil = now + cooling;
        }

        if (shared.OpenFor is { } open)
        {
            // Opened (or re-opened after a failed probe) elsewhere: this node waits as long, then sends its own one probe.
            if (state.OpenUntil is not { } openUntil || now + open > openUntil)
            {
                state.OpenShared = true;
                state.OpenUntil = now + open;
            }
        }
        else if (state.OpenShared && !state.ProbeInFlight)
        {
            // A node's probe succeeded and closed the shared circuit (or its record expired after the half-open time).
            state.OpenUntil = null;
            state.OpenShared = false;
            state.ConsecutiveFailures = 0;
        }
    }

    private void CoolDown(KeyState state, DateTimeOffset now, TimeSpan wait)
    {
        if (wait < TimeSpan.Zero)
        {
            wait = TimeSpan.Zero;
        }

        var until = now + (wait > _options.MaxCoolDown ? _options.MaxCoolDown : wait);

        // Concurrent 429s may carry different Retry-After values; the latest end wins so no one is sent in early.
        if (state.CoolingUntil is not { } current || until > current)
        {
            state.CoolingUntil = until;
        }
    }

    /// <summary>One key's mutable health; every field is read and written under <see cref="Gate"/>.</summary>
    private sealed class KeyState
    {
        public Lock Gate { get; } = new();

        public int ConsecutiveFailures { get; set; }

        /// <summary>Set while the circuit is open; past it, the circuit is half-open.</summary>
        public DateTimeOffset? OpenUntil { get; set; }

        public bool ProbeInFlight { get; set; }

        /// <summary>The open circuit is in the share (adopted from it, or published to it), so its closing there closes it here.</summary>
        public bool OpenShared { get; set; }

        public DateTimeOffset? CoolingUntil { get; set; }

        public double? LatencyMs { get; set; }

        public bool Admissible(DateTimeOffset now)
        {
            if (CoolingUntil is { } coolingUntil && now < coolingUntil)
            {
                return false;
            }

            return OpenUntil is not { } openUntil || (now >= openUntil && !ProbeInFlight);
        }
    }
}
