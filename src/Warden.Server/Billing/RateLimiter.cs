namespace Warden.Server.Billing;

/// <summary>
/// Per-key and per-tenant rate limits: requests per minute and tokens per minute (token buckets refilled on the
/// injected clock) and concurrent requests. A request is admitted only when every applicable limit admits it;
/// then all are charged together, so a refusal takes nothing. State is in memory, per server process (also the
/// local share a node falls back to when Redis is gone, docs/operations.md).
/// </summary>
internal sealed class RateLimiter(TimeProvider time) : IRateLimiter
{
    /// <summary>The wait a full concurrency limit suggests: a running request ending frees a slot, not the clock.</summary>
    private static readonly TimeSpan ConcurrencyHint = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SubjectState> _subjects = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public RateLimitDecision TryAcquire(IReadOnlyList<RateLimits> limits, long tokens)
    {
        lock (_gate)
        {
            var states = limits.Select(State).ToList();

            // Every limit is asked, not just the first that refuses: Retry-After is the longest wait among the refusing
            // limits, since the request passes only when all admit it (a full concurrency slot answered "1 s" while a
            // token bucket in debt needed minutes, issue 18). A refusal by one takes nothing from the others.
            TimeSpan wait = TimeSpan.Zero;
            string? problem = null;
            foreach (var state in states)
            {
                if (state.Limits!.Concurrent is { } concurrent && state.InFlight >= concurrent)
                {
                    // Nothing on the clock frees a slot; a running request ending does. One second is a fair hint.
                    Longest(ref wait, ref problem, ConcurrencyHint, $"{state.Limits.Scope} concurrency limit ({concurrent} requests at once) reached");
                }

                if (state.Requests is { } requests && !Probe(requests, 1, out var requestWait))
                {
                    Longest(ref wait, ref problem, requestWait, $"{state.Limits.Scope} request rate limit ({requests.Capacity} per minute) reached");
                }

                // A request that asks for no tokens (count_tokens) is not held back by tokens per minute.
                if (tokens > 0 && state.Tokens is { } bucket && !Probe(bucket, tokens, out var tokenWait))
                {
                    Longest(ref wait, ref problem, tokenWait, $"{state.Limits.Scope} token rate limit ({bucket.Capacity} per minute) reached");
                }
            }

            if (problem is not null)
            {
                return Refuse(wait, problem);
            }

            foreach (var state in states)
            {
                state.Requests?.TryTake(1, out _);
                if (tokens > 0)
                {
                    state.Tokens?.TryTake(tokens, out _);
                }

                state.InFlight++;
            }

            return new RateLimitDecision(new RateLimitLease(tokens, unused => Release(states, unused)), TimeSpan.Zero, null);
        }
    }

    private static void Longest(ref TimeSpan wait, ref string? problem, TimeSpan candidate, string candidateProblem)
    {
        if (problem is null || candidate > wait)
        {
            wait = candidate;
            problem = candidateProblem;
        }
    }

    private static RateLimitDecision Refuse(TimeSpan retryAfter, string problem) => new(null, retryAfter, problem);

    /// <summary>Whether a take would succeed, without taking (take and give back).</summary>
    private static bool Probe(TokenBucket bucket, long amount, out TimeSpan wait)
    {
        if (bucket.TryTake(amount, out wait))
        {
            bucket.Give(amount);
            return true;
        }

        return false;
    }

    private void Release(List<SubjectState> states, long unusedTokens)
    {
        lock (_gate)
        {
            foreach (var state in states)
            {
                state.InFlight--;
                state.Tokens?.Give(unusedTokens);
            }
        }
    }

    private SubjectState State(RateLimits limits)
    {
        string id = limits.Scope + ":" + limits.SubjectId;
        if (!_subjects.TryGetValue(id, out var state))
        {
            state = new SubjectState();
            _subjects[id] = state;
        }

        if (state.Limits != limits)
        {
            // New subject, or its limits changed: full buckets under the new limits; the in-flight count stays.
            state.Limits = limits;
            state.Requests = limits.RequestsPerMinute is { } rpm ? new TokenBucket(rpm, time) : null;
            state.Tokens = limits.TokensPerMinute is { } tpm ? new TokenBucket(tpm, time) : null;
        }

        return state;
    }

    /// <summary>One tenant's or key's limits, buckets and in-flight count.</summary>
    private sealed class SubjectState
    {
        public RateLimits? Limits { get; set; }

        public TokenBucket? Requests { get; set; }

        public TokenBucket? Tokens { get; set; }

        public int InFlight { get; set; }
    }
}
