using System.Net.ServerSentEvents;

namespace Warden.Server.Tests.Simulator;

/// <summary>
/// Reads an event stream one event at a time, so a test can start a read, see that it is still
/// waiting, release the simulator's clock and only then take the event.
/// </summary>
internal sealed class SseEventReader : IAsyncDisposable
{
    private readonly IAsyncEnumerator<SseItem<string>> _items;
    private Task<string?>? _reading;

    public SseEventReader(Stream stream, CancellationToken cancellationToken = default)
    {
        _items = SseParser.Create(stream).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
    }

    /// <summary>Every event's data read so far, in order.</summary>
    public List<string> Received { get; } = [];

    /// <summary>Starts reading the next event; the task yields its data, or null when the stream ends.</summary>
    public Task<string?> NextAsync() => _reading = ReadAsync();

    public async ValueTask DisposeAsync()
    {
        // An async iterator cannot be disposed while a read is in flight (it throws NotSupportedException,
        // which would hide the assertion that left the read pending); disposing the response ends that read.
        if (_reading is null || _reading.IsCompleted)
        {
            await _items.DisposeAsync();
        }
    }

    private async Task<string?> ReadAsync()
    {
        if (!await _items.MoveNextAsync())
        {
            return null;
        }

        Received.Add(_items.Current.Data);
        return _items.Current.Data;
    }
}
