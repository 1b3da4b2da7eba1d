namespace Warden.Server.Pipeline;

/// <summary>
/// The SHA-256 (hex) of a large request body, started on the thread pool as soon as the body is known, so that hashing
/// it (about 80 µs per 100 KB here) overlaps the upstream call instead of delaying a complete answer's headers, which
/// carry the receipt. Whoever needs the hash and finds the work not started yet takes it over and hashes on its own
/// thread, so nobody ever waits for a queued work item; at most it waits for a hash already running.
/// </summary>
internal sealed class BackgroundSha256 : IThreadPoolWorkItem
{
    /// <summary>
    /// Bodies from this size on are hashed in the background. Below it, hashing (about 13 µs at this size) costs little
    /// more than queueing the work and waking a thread for it.
    /// </summary>
    public const int MinimumBytes = 16 * 1024;

    private readonly ReadOnlyMemory<byte> _data;
    private readonly TaskCompletionSource<string> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _taken;

    /// <summary>An unqueued hash (tests play the thread pool's part by calling Execute); <see cref="Start"/> queues one.</summary>
    internal BackgroundSha256(ReadOnlyMemory<byte> data) => _data = data;

    /// <summary>Queues the hash of <paramref name="data"/>, which must not change or be returned to a pool until <see cref="ReleaseAsync"/> completes.</summary>
    public static BackgroundSha256 Start(ReadOnlyMemory<byte> data)
    {
        var hash = new BackgroundSha256(data);
        ThreadPool.UnsafeQueueUserWorkItem(hash, preferLocal: false);
        return hash;
    }

    /// <summary>The hash: computed here if no thread has started on it, otherwise the running thread's result.</summary>
    /// <exception cref="InvalidOperationException">After <see cref="ReleaseAsync"/> took the work over: the data is gone.</exception>
    public string Result => Take() ? Compute() : _done.Task.GetAwaiter().GetResult();

    /// <summary>
    /// Completes once no thread reads the data any more, so a pooled buffer under it can be returned: takes the work
    /// over if it has not started (it is then never computed), or waits for the running hash. Never throws.
    /// </summary>
    public Task ReleaseAsync()
    {
        if (Take())
        {
            _done.TrySetException(new InvalidOperationException("The body was released before its hash was needed."));
            return Task.CompletedTask;
        }

        return WaitQuietlyAsync(_done.Task);
    }

    void IThreadPoolWorkItem.Execute()
    {
        if (Take())
        {
            try
            {
                Compute();
            }
            catch (Exception)
            {
                // Recorded on _done by Compute; whoever reads Result gets it. A work item must not throw.
            }
        }
    }

    private bool Take() => Interlocked.Exchange(ref _taken, 1) == 0;

    private string Compute()
    {
        try
        {
            string hex = Core.Trust.ReceiptJson.Sha256Hex(_data.Span);
            _done.TrySetResult(hex);
            return hex;
        }
        catch (Exception ex)
        {
            _done.TrySetException(ex);
            throw;
        }
    }

    private static async Task WaitQuietlyAsync(Task task) => await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
}
