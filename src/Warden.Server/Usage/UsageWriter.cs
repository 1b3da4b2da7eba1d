using System.Threading.Channels;
using Warden.Server.Storage;
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
/// <para>
/// An answer's record (with its receipt and log entry) is written through <see cref="CommitAsync"/>: the request waits
/// for the commit that holds it before the end of its answer goes out, so an answer a client read to its end survives a
/// crash of the process. Group commit keeps that cheap: every record that arrived while one transaction ran goes into
/// the next, and a batch with waiting requests is committed at once, not after <see cref="CommitInterval"/>. Records of
/// requests that acknowledged nothing (refusals, failures) still go through <see cref="EnqueueAsync"/>.
/// </para>
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

    /// <summary>Records waiting for the next group commit (the metric warden.usage_writer.queue_depth).</summary>
    public int QueueDepth => _queue.Reader.Count;

    public ValueTask EnqueueAsync(UsageRecord record)
    {
        var item = new Item(record, null, null);
        if (_queue.Writer.TryWrite(item))
        {
            return ValueTask.CompletedTask;
        }

        return EnqueueSlowAsync(item);
    }

    /// <summary>
    /// Writes <paramref name="record"/> in the next group commit and completes once that transaction committed (true), or
    /// failed (false: the record is not stored, and the caller must not acknowledge its answer). Committed in WAL mode
    /// with <c>synchronous=NORMAL</c>, so it survives the death of the process (kill -9), not a power loss.
    /// </summary>
    public Task<bool> CommitAsync(UsageRecord record)
    {
        var committed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var item = new Item(record, null, committed);
        return _queue.Writer.TryWrite(item) ? committed.Task : CommitSlowAsync(item);
    }

    /// <summary>Completes when every record enqueued before the call is committed.</summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _queue.Writer.TryWrite(new Item(null, done, null)) ? done.Task : Task.CompletedTask;
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

    private async Task<bool> CommitSlowAsync(Item item)
    {
        try
        {
            await _queue.Writer.WriteAsync(item);
            return await item.Committed!.Task;
        }
        catch (ChannelClosedException)
        {
            // The host is stopping and the loop has drained: write this one directly.
            try
            {
                _store.InsertBatch([item.Record!]);
                return true;
            }
            catch (System.Data.Common.DbException)
            {
                return false;
            }
        }
    }

    private async Task RunAsync()
    {
        var batch = new List<UsageRecord>(MaxBatch);
        var waiting = new List<Item>();
        var flushes = new List<TaskCompletionSource>();
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            Drain(batch, waiting, flushes);
            if (flushes.Count == 0 && waiting.Count == 0 && batch.Count < MaxBatch && _lastCommit != 0
                && _time.GetElapsedTime(_lastCommit) is var sinceLast && sinceLast < CommitInterval)
            {
                // Busy, and nobody waits for this batch: the last commit was moments ago. Gather what arrives during the
                // rest of the interval into this commit too, so under load a commit carries many records rather than a few.
                await Task.Delay(CommitInterval - sinceLast, _time);
                Drain(batch, waiting, flushes);
            }

            await CommitBatchAsync(batch, waiting, flushes);
            _lastCommit = _time.GetTimestamp();
            batch.Clear();
            foreach (var item in waiting)
            {
                item.Committed!.TrySetResult(true);
            }

            waiting.Clear();
            foreach (var flush in flushes)
            {
                flush.TrySetResult();
            }

            flushes.Clear();
        }
    }

    // Takes what is queued, up to a batch: records to commit (noting those a request waits for), and flush requests
    // to answer after the commit.
    private void Drain(List<UsageRecord> batch, List<Item> waiting, List<TaskCompletionSource> flushes)
    {
        while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
        {
            if (item.Record is not null)
            {
                batch.Add(item.Record);
                if (item.Committed is not null)
                {
                    waiting.Add(item);
                }
            }
            else
            {
                flushes.Add(item.Flush!);
            }
        }
    }

    private async Task CommitBatchAsync(List<UsageRecord> batch, List<Item> waiting, List<TaskCompletionSource> flushes)
    {
        if (batch.Count == 0)
        {
            return;
        }

        // A failed commit (disk full, database locked for long) is retried, never dropped; but a request waiting for
        // its record is told at once, so it withholds its answer's end instead of waiting on a retry. Its record leaves
        // the batch (the request enqueues its final record, saying the answer was withheld, when it ends). What arrives
        // meanwhile joins the retry, so a request waiting then is answered by the next attempt, not after the trouble.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                _store.InsertBatch(batch);
                return;
            }
            catch (System.Data.Common.DbException ex)
            {
                Log.UsageCommitFailed(_logger, batch.Count, attempt, ex.Code());
                if (waiting.Count > 0)
                {
                    var failed = new HashSet<UsageRecord>(waiting.Select(w => w.Record!), ReferenceEqualityComparer.Instance);
                    batch.RemoveAll(failed.Contains);
                    foreach (var item in waiting)
                    {
                        item.Committed!.TrySetResult(false);
                    }

                    waiting.Clear();
                }

                if (batch.Count == 0)
                {
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * attempt)), _time);
                Drain(batch, waiting, flushes);
            }
        }
    }

    private readonly record struct Item(UsageRecord? Record, TaskCompletionSource? Flush, TaskCompletionSource<bool>? Committed);
}
