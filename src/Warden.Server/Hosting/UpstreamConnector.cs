using System.Net;
using System.Net.Sockets;
using Warden.Core.Providers;
using Warden.Server.Routing;

namespace Warden.Server.Hosting;

/// <summary>
/// Connects to upstreams after resolving the host and checking every address against the SSRF policy, so a
/// public name that resolves to a private address is refused unless the channel allows the private network.
/// </summary>
internal static class UpstreamConnector
{
    public static SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,                 // a redirect could lead anywhere; upstream APIs do not redirect
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        MaxConnectionsPerServer = int.MaxValue,
        EnableMultipleHttp2Connections = true,
        ConnectCallback = ConnectAsync,

        // No traceparent or other tracing headers go upstream: nothing about the client's side leaves Warden.
        ActivityHeadersPropagator = null,
    };

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        bool allowPrivate = context.InitialRequestMessage.Options.TryGetValue(UpstreamTarget.AllowPrivateNetworkOption, out bool allowed) && allowed;
        IPAddress[] addresses = IPAddress.TryParse(context.DnsEndPoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
        var permitted = allowPrivate ? addresses : addresses.Where(a => !UpstreamUrlPolicy.IsPrivate(a)).ToArray();
        if (permitted.Length == 0)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError, "The upstream host resolves only to private addresses, which this channel does not allow.");
        }

        // A channel may set its own connect timeout, shorter than the handler's: a dead region fails over fast.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (context.InitialRequestMessage.Options.TryGetValue(UpstreamTarget.ConnectTimeoutOption, out var connectTimeout))
        {
            timeout.CancelAfter(connectTimeout);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(permitted, context.DnsEndPoint.Port, timeout.Token);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new HttpRequestException(HttpRequestError.ConnectionError, $"Connecting to the upstream took longer than {connectTimeout.TotalMilliseconds:0} ms.");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
