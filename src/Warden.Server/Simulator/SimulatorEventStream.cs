using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>
/// Writes "data: ...\n\n" events straight to the response pipe, flushing after every event so
/// clients see each chunk as soon as it is "generated", and pacing events through the TimeProvider.
/// </summary>
internal sealed class SimulatorEventStream : IDisposable
{
    private static readonly byte[] DoneEvent = "data: [DONE]\n\n"u8.ToArray();

    private readonly PipeWriter _pipe;
    private readonly Utf8JsonWriter _json;
    private readonly TimeProvider _time;
    private readonly TimeSpan _pace;

    public SimulatorEventStream(PipeWriter pipe, TimeProvider time, TimeSpan pace)
    {
        _pipe = pipe;
        _time = time;
        _pace = pace;
        _json = new Utf8JsonWriter(pipe, ChatCompletionJson.WriterOptions);
    }

    public int EventsWritten { get; private set; }

    /// <summary>Waits for the pace, writes the "data: " prefix and returns the writer for one JSON value.</summary>
    public async ValueTask<Utf8JsonWriter> BeginEventAsync(CancellationToken cancellationToken)
    {
        await PaceAsync(cancellationToken);
        _pipe.Write("data: "u8);
        _json.Reset(_pipe);
        return _json;
    }

    public async ValueTask EndEventAsync(CancellationToken cancellationToken)
    {
        _json.Flush();
        _pipe.Write("\n\n"u8);
        await FlushAsync(cancellationToken);
    }

    public ValueTask WriteDoneAsync(CancellationToken cancellationToken) => WriteRawAsync(DoneEvent, cancellationToken);

    /// <summary>Writes a pre-framed event as is, including deliberately broken ones.</summary>
    public async ValueTask WriteRawAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        await PaceAsync(cancellationToken);
        _pipe.Write(frame.Span);
        await FlushAsync(cancellationToken);
    }

    public void Dispose() => _json.Dispose();

    private async ValueTask PaceAsync(CancellationToken cancellationToken)
    {
        if (EventsWritten > 0 && _pace > TimeSpan.Zero)
        {
            await Task.Delay(_pace, _time, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var result = await _pipe.FlushAsync(cancellationToken);
        EventsWritten++;
        if (result.IsCompleted || result.IsCanceled)
        {
            // Kestrel completes the reader when the connection is gone; treat it like a cancellation.
            throw new IOException("The client stopped reading the event stream.");
        }
    }
}
