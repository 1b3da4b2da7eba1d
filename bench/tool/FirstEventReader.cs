using System.Net.Sockets;

namespace Warden.Bench;

/// <summary>
/// Reads a raw HTTP/1.1 streamed response from a socket: up to the first server-sent event's "data:" field (telling
/// whether the status was 200), and then on to the end of the chunked body so the connection can be reused.
/// </summary>
internal sealed class FirstEventReader(Socket socket, byte[] buffer)
{
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] DataField = "data:"u8.ToArray();
    private static readonly byte[] LastChunk = "\r\n0\r\n\r\n"u8.ToArray();

    private int _filled;

    /// <summary>Returns true when a 200 response's first event arrived; false on another status or an early close.</summary>
    public async Task<bool> ReadFirstEventAsync(CancellationToken cancellationToken)
    {
        _filled = 0;
        int bodyStart = -1;
        while (true)
        {
            if (!await ReceiveAsync(cancellationToken))
            {
                return false;
            }

            if (bodyStart < 0)
            {
                int end = buffer.AsSpan(0, _filled).IndexOf(HeaderEnd);
                if (end < 0)
                {
                    continue;
                }

                // "HTTP/1.1 200 ": the status code sits at bytes 9..11.
                if (_filled < 12 || !buffer.AsSpan(9, 3).SequenceEqual("200"u8))
                {
                    return false;
                }

                bodyStart = end + HeaderEnd.Length;
            }

            if (buffer.AsSpan(bodyStart, _filled - bodyStart).IndexOf(DataField) >= 0)
            {
                return true;
            }
        }
    }

    /// <summary>Reads on to the last chunk of the chunked body; false when the connection closed instead.</summary>
    public async Task<bool> ReadToEndAsync(CancellationToken cancellationToken)
    {
        while (!buffer.AsSpan(0, _filled).EndsWith(LastChunk))
        {
            if (!await ReceiveAsync(cancellationToken))
            {
                return false;
            }
        }

        return true;
    }

    private async Task<bool> ReceiveAsync(CancellationToken cancellationToken)
    {
        if (_filled == buffer.Length)
        {
            // Keep only a tail long enough to recognise the last chunk.
            buffer.AsSpan(_filled - LastChunk.Length, LastChunk.Length).CopyTo(buffer);
            _filled = LastChunk.Length;
        }

        int read = await socket.ReceiveAsync(buffer.AsMemory(_filled), SocketFlags.None, cancellationToken);
        _filled += read;
        return read > 0;
    }
}
