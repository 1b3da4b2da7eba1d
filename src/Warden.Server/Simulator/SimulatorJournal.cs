namespace Warden.Server.Simulator;

/// <summary>
/// The last entries (by default 10,000) of what the simulator was asked and how each call ended, in the order
/// their requests ended; tests read it to see what Warden sent upstream, to which fault prefix, and when it gave up.
/// </summary>
internal sealed class SimulatorJournal
{
    public const int DefaultCapacity = 10_000;

    private readonly Lock _gate = new();
    private readonly Queue<SimulatorJournalEntry> _entries = new();
    private readonly Dictionary<string, SimulatorJournalEntry> _byId = new(StringComparer.Ordinal);
    private readonly int _capacity;

    public SimulatorJournal(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public IReadOnlyList<SimulatorJournalEntry> Snapshot()
    {
        lock (_gate)
        {
            return _entries.ToArray();
        }
    }

    public SimulatorJournalEntry? Find(string simRequestId)
    {
        lock (_gate)
        {
            return _byId.GetValueOrDefault(simRequestId);
        }
    }

    /// <summary>Entries of requests made under "/_fault/{prefix}/" (the exact prefix text), oldest first.</summary>
    public IReadOnlyList<SimulatorJournalEntry> ForPrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return Where(entry => string.Equals(entry.FaultPrefix, prefix, StringComparison.Ordinal));
    }

    /// <summary>How many requests under "/_fault/{prefix}/" the journal holds.</summary>
    public int CountForPrefix(string prefix) => ForPrefix(prefix).Count;

    /// <summary>Entries whose effective faults include <paramref name="fault"/> in canonical form ("500", "latency-50").</summary>
    public IReadOnlyList<SimulatorJournalEntry> WithFault(string fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        return Where(entry => entry.Fault is { } faults && faults.Split(',').Contains(fault, StringComparer.Ordinal));
    }

    internal void Add(SimulatorJournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            _entries.Enqueue(entry);
            _byId[entry.SimRequestId] = entry;
            while (_entries.Count > _capacity)
            {
                var evicted = _entries.Dequeue();
                _byId.Remove(evicted.SimRequestId);
            }
        }
    }

    private SimulatorJournalEntry[] Where(Func<SimulatorJournalEntry, bool> predicate)
    {
        lock (_gate)
        {
            return _entries.Where(predicate).ToArray();
        }
    }
}
