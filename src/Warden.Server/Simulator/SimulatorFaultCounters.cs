using System.Collections.Concurrent;

namespace Warden.Server.Simulator;

/// <summary>
/// How many requests each "/_fault/first-N:.../" prefix has seen, so an upstream can fail its first N calls and
/// then recover. In memory for the life of the host; keyed by the exact prefix text.
/// </summary>
internal sealed class SimulatorFaultCounters
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>Counts one more request under the prefix and returns its 1-based number; unique even under concurrency.</summary>
    public int Next(string prefix) => _counts.AddOrUpdate(prefix, 1, static (_, count) => count + 1);

    /// <summary>Requests counted so far under the prefix (0 when none).</summary>
    public int Count(string prefix) => _counts.GetValueOrDefault(prefix);
}
