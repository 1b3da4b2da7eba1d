using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Warden.Bench;

/// <summary>
/// One HTTP/1.1 request kept as the exact bytes to send (request line, headers, body), with the loopback
/// endpoint it goes to. Parsed from "name=port=file" on the command line.
/// </summary>
internal sealed record RawRequest(string Name, IPEndPoint EndPoint, byte[] Bytes)
{
    public static RawRequest Parse(string spec)
    {
        var parts = spec.Split('=', 3);
        if (parts.Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int port))
        {
            throw new ArgumentException($"Expected name=port=request-file, got '{spec}'.", nameof(spec));
        }

        // Loopback only: the benchmark never sends traffic anywhere else.
        return new RawRequest(parts[0], new IPEndPoint(IPAddress.Loopback, port), File.ReadAllBytes(parts[2]));
    }

    public async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(EndPoint, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
