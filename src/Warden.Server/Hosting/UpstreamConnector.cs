using System.Net;
using System.Net.NetworkInformation;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Warden.Core.Providers;
using Warden.Server.Routing;

namespace Warden.Server.Hosting;

/// <summary>
/// Connects to upstreams after resolving the host and checking it and EVERY address it resolves to against the SSRF
/// policy (<see cref="UpstreamUrlPolicy"/>): one refused address refuses the connection, so a name that mixes a public
/// address with a private or metadata one cannot be used to reach the latter. For a channel not allowed the private
/// network, the machine's own interface addresses are refused too (a public address of this host reaches Warden and
/// its neighbours). Name resolution and the list of own addresses are seams, so tests decide what a name resolves to.
/// </summary>
internal sealed class UpstreamConnector(
    Func<string, CancellationToken, Task<IPAddress[]>> resolve,
    Func<IReadOnlyCollection<IPAddress>> ownAddresses)
{
    /// <summary>DNS and the machine's real interfaces.</summary>
    public static UpstreamConnector System { get; } = new(Dns.GetHostAddressesAsync, OwnInterfaceAddresses);

    public SocketsHttpHandler CreateHandler() => new()
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

        // After the TLS handshake (if any): the connection learns its host, port and the upstream's key, and tells the
        // request written on it (the receipt binds the upstream; UpstreamConnection). Validation stays the default.
        PlaintextStreamFilter = ObserveConnection,

        // Only the traceparent of Warden's own attempt span goes upstream, and only while tracing is on; no tracestate,
        // no baggage, nothing a client sent (its traceparent is a link of Warden's span, never its parent).
        ActivityHeadersPropagator = Telemetry.TraceParentPropagator.Instance,
    };

    /// <summary>
    /// The addresses a channel may connect to for <paramref name="host"/>, or why none: the host name itself, then every
    /// address it resolves to (an IP literal is its own single address).
    /// </summary>
    public async Task<(IPAddress[]? Addresses, string? Problem)> ResolveAsync(string host, bool allowPrivateNetwork, CancellationToken cancellationToken)
    {
        if (UpstreamUrlPolicy.HostProblem(host, allowPrivateNetwork) is { } hostProblem)
        {
            return (null, hostProblem);
        }

        IPAddress[] addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await resolve(host, cancellationToken);
        if (addresses.Length == 0)
        {
            return (null, $"The upstream host '{host}' resolves to no address.");
        }

        IReadOnlyCollection<IPAddress>? own = null;
        foreach (var address in addresses)
        {
            if (UpstreamUrlPolicy.AddressProblem(address, allowPrivateNetwork) is { } problem)
            {
                return (null, problem);
            }

            own ??= allowPrivateNetwork ? [] : ownAddresses();
            var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            if (own.Contains(plain))
            {
                return (null, $"The upstream address {address} is one of this machine's own addresses; allow the private network for this channel if that is intended.");
            }
        }

        return (addresses, null);
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        bool allowPrivate = context.InitialRequestMessage.Options.TryGetValue(UpstreamTarget.AllowPrivateNetworkOption, out bool allowed) && allowed;
        var (permitted, problem) = await ResolveAsync(context.DnsEndPoint.Host, allowPrivate, cancellationToken);
        if (permitted is null)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError, problem);
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

    private static ValueTask<Stream> ObserveConnection(SocketsHttpPlaintextStreamFilterContext context, CancellationToken cancellationToken)
    {
        var uri = context.InitialRequestMessage.RequestUri!;
        string? spki = context.PlaintextStream is SslStream { RemoteCertificate: { } certificate }
            ? UpstreamConnection.SpkiSha256(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()))
            : null;
        return ValueTask.FromResult<Stream>(new ObservedConnectionStream(context.PlaintextStream, new UpstreamConnection(uri.IdnHost, uri.Port, spki)));
    }

    /// <summary>Every unicast address of every interface of this machine, read fresh (interfaces come and go).</summary>
    private static HashSet<IPAddress> OwnInterfaceAddresses()
    {
        var addresses = new HashSet<IPAddress>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    var address = unicast.Address;
                    addresses.Add(address.ScopeId != 0 ? new IPAddress(address.GetAddressBytes()) : address);
                }
            }
        }
        catch (NetworkInformationException)
        {
            // Cannot list them: the range checks still apply; a public address of this host is then not recognised.
        }

        return addresses;
    }
}
