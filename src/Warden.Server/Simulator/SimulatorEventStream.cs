using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>
/// Writes events ("data: ...\n\n", optionally named, or elements of a streamed JSON array) straight to
/// the response pipe, flushing after every event so clients see each chunk as soon as it is
/// "generated", and pacing events through the TimeProvider.
/// </summary>
internal sealed class SimulatorEventStream : IDisposable
{
    private static readonly byte[] DoneEvent = "data: [DONE]\n\n"u8.ToArray();

    private readonly PipeWriter _pipe;
    private readonly Utf8JsonWriter _json;
    private readonly TimeProvider _time;
    private readonly TimeSpan _pace;
    private readonly SimulatorFraming _framing;
    private bool _arrayOpen;

    public SimulatorEventStream(PipeWriter pipe, TimeProvider time, TimeSpan pace, SimulatorFraming framing = SimulatorFraming.Sse)
    {
        _pipe = pipe;
        _framing = framing;
        _time = time;
        _pace = pace;
        _json = new Utf8JsonWriter(pipe, ChatCompletionJson.WriterOptions);
    }

    public int EventsWritten { get; private set; }

    /// <summary>
    /// The usagedelay-N fault: a pause between the finish and a usage event sent after it, as a slow upstream may
    /// leave (Chat's separate usage chunk). Relays must still bill that usage when their client left at the finish.
    /// </summary>
    public TimeSpan UsageDelay { get; init; }

    /// <summary>Waits <see cref="UsageDelay"/>, on the simulator's clock, before the usage event that follows the finish.</summary>
    public async ValueTask BeforeUsageAfterFinishAsync(CancellationToken cancellationToken)
    {
        if (UsageDelay > TimeSpan.Zero)
        {
            await Task.Delay(UsageDelay, _time, cancellationToken);
        }
    }

    /// <summary>Waits for the pace, writes the "data: " prefix and returns the writer for one JSON value.</summary>
    public ValueTask<Utf8JsonWriter> BeginEventAsync(CancellationToken cancellationToken) => BeginEventAsync(null, cancellationToken);

    /// <summary>As <see cref="BeginEventAsync(CancellationToken)"/>, preceded by an "event: name" line when a name is given.</summary>
    public async ValueTask<Utf8JsonWriter> BeginEventAsync(string? eventName, CancellationToken cancellationToken)
    {
        await PaceAsync(cancellationToken);
        WritePrefix(eventName);
        _json.Reset(_pipe);
        return _json;
    }

    public async ValueTask EndEventAsync(CancellationToken cancellationToken)
    {
        _json.Flush();
        _pipe.Write(_framing switch
        {
            SimulatorFraming.SseCrLf => "\r\n\r\n"u8,
            SimulatorFraming.JsonArray => ""u8,
            _ => "\n\n"u8,
        });
        await FlushAsync(cancellationToken);
    }

    /// <summary>Writes a deliberately broken event: the framing of a real one around JSON that does not parse.</summary>
    public async ValueTask WriteBrokenEventAsync(string? eventName, ReadOnlyMemory<byte> brokenJson, CancellationToken cancellationToken)
    {
        await PaceAsync(cancellationToken);
        WritePrefix(eventName);
        _pipe.Write(brokenJson.Span);
        _pipe.Write(_framing == SimulatorFraming.SseCrLf ? "\r\n\r\n"u8 : _framing == SimulatorFraming.JsonArray ? ""u8 : "\n\n"u8);
        await FlushAsync(cancellationToken);
    }

    /// <summary>Closes a JSON-array stream ("]", or "[]" when nothing was sent); nothing for event streams.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (_framing != SimulatorFraming.JsonArray)
        {
            return;
        }

        _pipe.Write(_arrayOpen ? "]"u8 : "[]"u8);
        _arrayOpen = true;
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

    private void WritePrefix(string? eventName)
    {
        if (_framing == SimulatorFraming.JsonArray)
        {
            _pipe.Write(_arrayOpen ? ",\r\n"u8 : "["u8);
            _arrayOpen = true;
            return;
        }

        if (eventName is not null)
        {
            _pipe.Write("event: "u8);
            System.Text.EncodingExtensions.GetBytes(System.Text.Encoding.UTF8, eventName.AsSpan(), _pipe);
            _pipe.Write("\n"u8);
        }

        _pipe.Write("data: "u8);
    }

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
