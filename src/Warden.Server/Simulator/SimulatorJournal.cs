namespace Warden.Server.Simulator;

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
}
