using Microsoft.Extensions.Logging.Abstractions;
using Warden.Core.Chat;
using Warden.Server.Hosting;
using Warden.Server.Tests.Simulator;
using Warden.Server.Tests.Support;
using Warden.Server.Usage;

namespace Warden.Server.Tests.Billing;

/// <summary>
/// The usage writer's group commit, on a real data folder and a clock the test moves: a record that arrives while the
/// writer is idle is committed at once; records that arrive within <see cref="UsageWriter.CommitInterval"/> of the last
/// commit wait for the rest of the interval and go into one commit together; a flush is answered without that wait;
/// stopping commits everything queued.
/// </summary>
public sealed class UsageWriterTests : IAsyncLifetime, IDisposable
{
    // A hang guard for polls on the database, never an assertion on speed.
    private const int PollAttempts = 500;

    private readonly TempDirectory _directory = new();
    private readonly ManualTimeProvider _time = new();
    private DataFolder _folder = null!;
    private UsageWriter _writer = null!;

    public Task InitializeAsync()
    {
        // Timestamps of the manual clock start at zero, which the writer reads as "never committed": start later.
        _time.Advance(TimeSpan.FromSeconds(1));
        _folder = DataFolder.Open(_directory.Path, masterKeyFromEnvironment: null, _time);
        _writer = new UsageWriter(_folder.Usage, NullLogger<UsageWriter>.Instance, _time);
        return _writer.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        // A writer still waiting out an interval on the manual clock (a failed test) would never finish draining.
        var disposing = _writer.DisposeAsync().AsTask();
        while (!disposing.IsCompleted)
        {
            _time.Advance(UsageWriter.CommitInterval);
            await Task.WhenAny(disposing, Task.Delay(10));
        }

        await disposing;
        _folder.Usage.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    // After DisposeAsync: the folder is deleted once nothing holds its database open.
    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AnIdleRecordIsCommittedAtOnce_RecordsRightAfterItWaitForTheIntervalAndShareOneCommit()
    {
        await _writer.EnqueueAsync(Record("first"));
        await WaitForRowsAsync(1);
        Assert.Empty(_time.ArmedTimers);

        await _writer.EnqueueAsync(Record("second"));
        await _writer.EnqueueAsync(Record("third"));
        await _time.WaitForPendingTimerAsync(UsageWriter.CommitInterval);

        // The writer is holding them back for the rest of the interval: nothing new is committed yet.
        Assert.Equal(["first"], StoredIds());

        _time.Advance(UsageWriter.CommitInterval);
        await WaitForRowsAsync(3);
        Assert.Equal(["first", "second", "third"], StoredIds());
        Assert.Single(_time.ArmedTimers);
    }

    [Fact]
    public async Task ARecordAfterTheIntervalHasPassed_IsCommittedWithoutWaiting()
    {
        await _writer.EnqueueAsync(Record("first"));
        await WaitForRowsAsync(1);

        _time.Advance(UsageWriter.CommitInterval);
        await _writer.EnqueueAsync(Record("second"));
        await WaitForRowsAsync(2);
        Assert.Empty(_time.ArmedTimers);
    }

    [Fact]
    public async Task AFlushRightAfterACommit_IsAnsweredWithoutWaitingForTheInterval()
    {
        await _writer.EnqueueAsync(Record("first"));
        await WaitForRowsAsync(1);

        // The clock does not move: were the flush held back for the interval, it would never complete.
        await _writer.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(_time.ArmedTimers);
    }

    [Fact]
    public async Task StoppingTheHost_CommitsWhatIsQueued()
    {
        await _writer.EnqueueAsync(Record("first"));
        await WaitForRowsAsync(1);
        await _writer.EnqueueAsync(Record("second"));
        await _time.WaitForPendingTimerAsync(UsageWriter.CommitInterval);

        var stopping = _writer.StopAsync(CancellationToken.None);
        _time.Advance(UsageWriter.CommitInterval);
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["first", "second"], StoredIds());

        // A record enqueued after the writer has stopped is still written, directly.
        await _writer.EnqueueAsync(Record("late"));
        Assert.Equal(["first", "second", "late"], StoredIds());
    }

    private UsageRecord Record(string id) => new(
        id, null, "gpt-test", "gpt-test", null, null, 200, "ok", false,
        new Core.Chat.Usage(10, 5, null, null, null, UsageSource.Reported), 1.5, null, _time.GetUtcNow());

    private List<string> StoredIds()
    {
        using var connection = _folder.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM usage_records ORDER BY rowid";
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private async Task WaitForRowsAsync(int count)
    {
        for (int attempt = 0; attempt < PollAttempts; attempt++)
        {
            if (StoredIds().Count >= count)
            {
                return;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"usage_records never reached {count} rows; it has [{string.Join(", ", StoredIds())}].");
    }
}
