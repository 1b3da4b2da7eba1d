using System.Buffers;
using System.IO.Pipelines;

namespace Warden.Server.Relay;

/// <summary>
/// A translated stream's output between two upstream events. An encoder writes each SSE event in several pieces
/// (event line, data prefix, JSON, blank line); gathered here, they reach the response as one write per upstream event,
/// so the receipt's hash and Kestrel's output (which takes a lock for every piece) see one piece instead of five.
/// </summary>
/// <remarks>
/// Only the bytes the client is about to receive are held, and only until the next <see cref="MoveToOutput"/>. A
/// buffer that grew past <see cref="KeptCapacity"/> for one large event is let go rather than kept for the rest of the
/// stream, so a thousand open streams hold a thousand small buffers.
/// </remarks>
internal sealed class EncodedEvents(PipeWriter output)
{
    private const int InitialCapacity = 1024;
    private const int KeptCapacity = 64 * 1024;

    private ArrayBufferWriter<byte> _buffer = new(InitialCapacity);

    /// <summary>Where the encoder writes; read it again after <see cref="MoveToOutput"/>, which may replace it.</summary>
    public IBufferWriter<byte> Buffer => _buffer;

    /// <summary>Writes what was gathered to the response (without flushing it) and starts over.</summary>
    public void MoveToOutput()
    {
        if (_buffer.WrittenCount == 0)
        {
            return;
        }

        output.Write(_buffer.WrittenSpan);
        if (_buffer.Capacity > KeptCapacity)
        {
            _buffer = new ArrayBufferWriter<byte>(InitialCapacity);
        }
        else
        {
            _buffer.ResetWrittenCount();
        }
    }
}
