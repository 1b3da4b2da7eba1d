namespace Warden.Core.Providers;

/// <summary>
/// The outcome of sending one attempt: either a successful response whose headers have arrived (the body
/// is still unread, so it can be streamed), or an error value. Never both.
/// </summary>
public sealed class UpstreamCall : IDisposable
{
    private UpstreamCall(HttpResponseMessage? response, UpstreamError? error)
    {
        Response = response;
        Error = error;
    }

    public HttpResponseMessage? Response { get; }

    public UpstreamError? Error { get; }

    /// <summary>The upstream's own request id, for support tickets and receipts.</summary>
    public string? UpstreamRequestId { get; init; }

    /// <summary>The connection that carried a successful call (host, port, TLS key).</summary>
    public UpstreamConnection? Connection { get; init; }

    /// <summary>The hash of a successful call's response body as it is read.</summary>
    public UpstreamResponseDigest? ResponseDigest { get; init; }

    public static UpstreamCall Succeeded(HttpResponseMessage response, string? upstreamRequestId, UpstreamConnection? connection = null, UpstreamResponseDigest? digest = null) =>
        new(response, null) { UpstreamRequestId = upstreamRequestId, Connection = connection, ResponseDigest = digest };

    public static UpstreamCall Failed(UpstreamError error, string? upstreamRequestId = null) =>
        new(null, error) { UpstreamRequestId = upstreamRequestId };

    public void Dispose() => Response?.Dispose();
}
