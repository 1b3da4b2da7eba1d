namespace Warden.Server.Routing;

/// <summary>
/// Orders the candidate keys for one request. Higher priority groups always come first; inside a group:
/// <list type="bullet">
/// <item>With an affinity key, weighted rendezvous hashing: every (conversation, key) pair gets a fixed score, so a
/// conversation stays on one key (and keeps hitting that key's prompt cache) while the key is admissible, moves only
/// when it is not, and comes back when it is again. Adding or removing a key moves only the conversations it wins or loses.</item>
/// <item>Without one, <see cref="RoutingStrategy.PriorityWeighted"/> draws a weighted random order without replacement
/// (Efraimidis–Spirakis), or <see cref="RoutingStrategy.LeastLatency"/> sorts by measured time to first byte.</item>
/// </list>
/// Runs on every request, so it avoids LINQ and allocates only the returned order (and a scratch array for large pools).
/// </summary>
internal sealed class RouteSelector(UpstreamHealth health, IRandomSource random)
{
    private const int StackLimit = 64;
    private static readonly TimeSpan MinimumRetryAfter = TimeSpan.FromSeconds(1);

    public RoutePlan Plan(IReadOnlyList<RouteCandidate> candidates, string? affinityKey, RoutingStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        int count = candidates.Count;
        if (count == 0)
        {
            return new RoutePlan([], null);
        }

        Span<RankKey> ranks = count <= StackLimit ? stackalloc RankKey[count] : new RankKey[count];
        int admitted = 0;
        for (int index = 0; index < count; index++)
        {
            var candidate = candidates[index];
            if (!health.IsAdmissible(candidate.KeyId))
            {
                continue;
            }

            double weight = Math.Max(1, candidate.Weight);
            double primary;
            double secondary = 0;
            if (affinityKey is not null)
            {
                primary = -weight / Math.Log(RendezvousHash.UnitInterval(affinityKey, candidate.KeyId));
            }
            else if (strategy == RoutingStrategy.LeastLatency)
            {
                // Unmeasured keys sort first so they get measured; the random part spreads ties by weight.
                primary = health.LatencyMs(candidate.KeyId) is { } latency ? -latency : double.PositiveInfinity;
                secondary = WeightedRandomKey(weight);
            }
            else
            {
                primary = WeightedRandomKey(weight);
            }

            ranks[admitted++] = new RankKey(candidate.Priority, primary, secondary, index);
        }

        if (admitted == 0)
        {
            return new RoutePlan([], EarliestAvailable(candidates));
        }

        var admittedRanks = ranks[..admitted];
        admittedRanks.Sort();
        int[] order = new int[admitted];
        for (int i = 0; i < admitted; i++)
        {
            order[i] = admittedRanks[i].Index;
        }

        return new RoutePlan(order, null);
    }

    /// <summary>
    /// Efraimidis–Spirakis key u^(1/w), taken as ln(u)/w (same order, no pow): sorting by it descending is a weighted
    /// draw without replacement. 1 - u keeps the argument in (0, 1] so the log is finite.
    /// </summary>
    private double WeightedRandomKey(double weight) => Math.Log(1 - random.NextDouble()) / weight;

    private TimeSpan EarliestAvailable(IReadOnlyList<RouteCandidate> candidates)
    {
        TimeSpan? earliest = null;
        for (int index = 0; index < candidates.Count; index++)
        {
            // Null means it became admissible since the check above: retry as soon as allowed.
            var wait = health.AvailableIn(candidates[index].KeyId) ?? TimeSpan.Zero;
            if (earliest is null || wait < earliest)
            {
                earliest = wait;
            }
        }

        return earliest is { } value && value > MinimumRetryAfter ? value : MinimumRetryAfter;
    }

    /// <summary>Sort key: priority descending, then primary and secondary score descending, then candidate index (deterministic ties).</summary>
    private readonly record struct RankKey(int Priority, double Primary, double Secondary, int Index) : IComparable<RankKey>
    {
        public int CompareTo(RankKey other)
        {
            int byPriority = other.Priority.CompareTo(Priority);
            if (byPriority != 0)
            {
                return byPriority;
            }

            int byPrimary = other.Primary.CompareTo(Primary);
            if (byPrimary != 0)
            {
                return byPrimary;
            }

            int bySecondary = other.Secondary.CompareTo(Secondary);
            return bySecondary != 0 ? bySecondary : Index.CompareTo(other.Index);
        }
    }
}
