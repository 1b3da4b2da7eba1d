using System.Threading.Channels;
using Warden.Server.Telemetry;

namespace Warden.Server.Usage;

/// <summary>
/// Writes usage records off the request path: requests enqueue into a bounded queue, one loop commits
/// whatever is queued as one transaction (group commit), and stopping the host drains the queue.
/// </summary>
/// <remarks>
/// When idle a record is committed as soon as it arrives; under load commits are at least
/// <see cref="CommitInterval"/> apart and each takes up to <see cref="MaxBatch"/> records, so at most one batch is
/// in flight. A flush request taken with a batch is not held back for the interval (one that arrives while the writer
/// already waits is answered with that commit, at most one interval later). A full queue makes requests wait
/// rather than drop records: nothing acknowledged is lost to back-pressure.
/// </remarks>
internal sealed class UsageWriter : IHostedService, IAsyncDisposable
{
    public const int MaxBatch = 512;

    /// <summary>
    /// Shortest time between two commits while records keep coming. Every commit rewrites the pages it touched
    /// (table and index leaves) in the WAL, so under load fewer, larger commits cost far less per record; a record
    /// arriving when the writer is idle is still committed at once.
    /// </summary>
    public static readonly TimeSpan CommitInterval = TimeSpan.FromMilliseconds(2);
    private const int QueueCapacity = 65_536;

    private readonly Channel<Item> _queue = Channel.CreateBounded<Item>(new BoundedChannelOptions(QueueCapacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    private readonly UsageStore _store;
    private readonly ILogger<UsageWriter> _logger;
    private readonly TimeProvider _time;
    private Task? _loop;
    private long _lastCommit;

    public UsageWriter(UsageStore store, ILogger<UsageWriter> logger, TimeProvider time)
    {
        _store = store;
        _logger = logger;
        _time = time;
    }

    public ValueTask EnqueueAsync(UsageRecord record)
    {
        var item = new Item(record, null);
        if (_queue.Writer.TryWrite(item))
        {
            return ValueTask.CompletedTask;
        }

        return EnqueueSlowAsync(item);
    }

    /// <summary>Completes when every record enqueued before the call is committed.</summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _queue.Writer.TryWrite(new Item(null, done)) ? done.Task : Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken);
        }

        _store.CloseWriter();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop;
        }
    }

    private async ValueTask EnqueueSlowAsync(Item item)
    {
        try
        {
            await _queue.Writer.WriteAsync(item);
        }
        catch (ChannelClosedException)
        {
            // The host is stopping and the loop has drained: write this straggler directly.
            _store.InsertBatch([item.Record!]);
        }
    }

    private async Task RunAsync()
    {
        var batch = new List<UsageRecord>(MaxBatch);
        var flushes = new List<TaskCompletionSource>();
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            Drain(batch, flushes);
            if (flushes.Count == 0 && batch.Count < MaxBatch && _lastCommit != 0
                && _time.GetElapsedTime(_lastCommit) is var sinceLast && sinceLast < CommitInterval)
            {
                // Busy: the last commit was moments ago. Gather what arrives during the rest of the interval into
                // this commit too, so under load a commit carries many records rather than a few.
                await Task.Delay(CommitInterval - sinceLast, _time);
                Drain(batch, flushes);
            }

            await CommitAsync(batch);
            _lastCommit = _time.GetTimestamp();
            batch.Clear();
            foreach (var flush in flushes)
            {
                flush.TrySetResult();
            }

            flushes.Clear();
        }
    }

    // Takes what is queued, up to a batch: records to commit, and flush requests to answer after the commit.
    private void Drain(List<UsageRecord> batch, List<TaskCompletionSource> flushes)
    {
        while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
        {
            if (item.Record is not null)
            {
                batch.Add(item.Record);
            }
            else
            {
                flushes.Add(item.Flush!);
            }
        }
    }

    private async Task CommitAsync(List<UsageRecord> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        // A failed commit (disk full, database locked for long) is retried, never dropped.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                _store.InsertBatch(batch);
                return;
            }
            catch (Microsoft.Data.Sqlite.SqliteException ex)
            {
                Log.UsageCommitFailed(_logger, batch.Count, attempt, ex.SqliteErrorCode);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * attempt)), _time);
            }
        }
    }

    private readonly record struct Item(UsageRecord? Record, TaskCompletionSource? Flush);
}
