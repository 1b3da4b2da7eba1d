using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Net;

namespace Warden.Server.Tests.Support;

/// <summary>
/// Records, from outside Warden's code, every outbound TCP connect, name lookup and HTTP request this process makes:
/// an <see cref="EventListener"/> on the runtime's own "System.Net.Sockets" (ConnectStart, whose payload is the socket
/// address), "System.Net.NameResolution" (ResolutionStart) and "System.Net.Http" (RequestStart) event sources. Whatever
/// code opens a connection, through HttpClient or a raw Socket, the runtime reports it here.
/// </summary>
internal sealed class OutboundConnections : EventListener
{
    // Filled from the base constructor's callbacks too (before field initialisers of this class would run): created lazily.
    private ConcurrentQueue<IPEndPoint>? _connects;
    private ConcurrentQueue<string>? _lookups;
    private ConcurrentQueue<(string Host, int Port)>? _requests;
    private ConcurrentQueue<string>? _unreadable;

    public IReadOnlyCollection<IPEndPoint> Connects => Queue(ref _connects);

    public IReadOnlyCollection<string> Lookups => Queue(ref _lookups);

    public IReadOnlyCollection<(string Host, int Port)> Requests => Queue(ref _requests);

    /// <summary>Connect addresses that could not be read as IPv4/IPv6 endpoints (each is a finding in itself).</summary>
    public IReadOnlyCollection<string> Unreadable => Queue(ref _unreadable);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name is "System.Net.Sockets" or "System.Net.NameResolution" or "System.Net.Http")
        {
            EnableEvents(eventSource, EventLevel.Informational, EventKeywords.All);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        var payload = eventData.Payload;
        switch (eventData.EventSource.Name, eventData.EventName)
        {
            case ("System.Net.Sockets", "ConnectStart") when payload is [string address, ..]:
                if (TryReadEndPoint(address) is { } endPoint)
                {
                    Queue(ref _connects).Enqueue(endPoint);
                }
                else
                {
                    Queue(ref _unreadable).Enqueue(address);
                }

                break;
            case ("System.Net.NameResolution", "ResolutionStart") when payload is [string host, ..]:
                Queue(ref _lookups).Enqueue(host);
                break;
            case ("System.Net.Http", "RequestStart") when payload is [_, string host, int port, ..]:
                Queue(ref _requests).Enqueue((host, port));
                break;
            default:
                break;
        }
    }

    private static ConcurrentQueue<T> Queue<T>(ref ConcurrentQueue<T>? queue) =>
        Volatile.Read(ref queue) ?? Interlocked.CompareExchange(ref queue, new ConcurrentQueue<T>(), null) ?? queue!;

    /// <summary>
    /// Reads SocketAddress text, "InterNetwork:16:{p0,p1,a0,a1,a2,a3,...}" or "InterNetworkV6:28:{p0,p1,f0..f3,a0..a15,...}":
    /// the bytes after the two of the address family, port first (network order).
    /// </summary>
    private static IPEndPoint? TryReadEndPoint(string text)
    {
        int open = text.IndexOf('{', StringComparison.Ordinal);
        int close = text.LastIndexOf('}');
        if (open < 0 || close < open)
        {
            return null;
        }

        var bytes = new List<byte>();
        foreach (string part in text[(open + 1)..close].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!byte.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out byte value))
            {
                return null;
            }

            bytes.Add(value);
        }

        int port = bytes.Count >= 2 ? (bytes[0] << 8) | bytes[1] : -1;
        if (text.StartsWith("InterNetworkV6:", StringComparison.Ordinal) && bytes.Count >= 22)
        {
            return new IPEndPoint(new IPAddress(bytes.GetRange(6, 16).ToArray()), port);
        }

        if (text.StartsWith("InterNetwork:", StringComparison.Ordinal) && bytes.Count >= 6)
        {
            return new IPEndPoint(new IPAddress(bytes.GetRange(2, 4).ToArray()), port);
        }

        return null;
    }
}
