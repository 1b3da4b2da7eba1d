using System.Net;

namespace Warden.Server.Audit.Clients;

/// <summary>
/// The HTTP connection pool an audit's clients share. The audit is a client of someone else's endpoint, so it follows no
/// redirect (an API answers, it does not redirect; following one would send the key elsewhere), decompresses nothing
/// (the body bytes are evidence, hashed against receipts) and uses no proxy or cookies.
/// </summary>
internal sealed class AuditHttp : IDisposable
{
    private readonly HttpMessageInvoker _invoker;

    public AuditHttp(TimeSpan requestTimeout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        RequestTimeout = requestTimeout;
        Time = time;
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ActivityHeadersPropagator = null,
        }, disposeHandler: true);
    }

    /// <summary>How long one request may take, body included, before it comes back as a failed reply.</summary>
    public TimeSpan RequestTimeout { get; }

    public TimeProvider Time { get; }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _invoker.SendAsync(request, cancellationToken);

    public void Dispose() => _invoker.Dispose();
}
