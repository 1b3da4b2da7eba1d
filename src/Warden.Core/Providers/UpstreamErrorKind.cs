namespace Warden.Core.Providers;

/// <summary>Every way an upstream call can fail, as a value. What each means for the client is decided in <see cref="UpstreamErrorPolicy"/>.</summary>
public enum UpstreamErrorKind
{
    /// <summary>Could not connect (refused, DNS, TLS).</summary>
    ConnectFailed,

    /// <summary>The upstream did not answer in time.</summary>
    Timeout,

    /// <summary>HTTP 429 from the upstream.</summary>
    RateLimited,

    /// <summary>HTTP 503 or 529: the upstream is overloaded or down for now.</summary>
    Overloaded,

    /// <summary>HTTP 500, 502, 504 and other 5xx.</summary>
    ServerError,

    /// <summary>HTTP 401/403: the channel's credential is wrong; the operator's problem, not the client's.</summary>
    CredentialRejected,

    /// <summary>HTTP 400, 404, 413, 422 and other 4xx: the request itself was refused.</summary>
    RequestRejected,

    /// <summary>The upstream answered, but not in the protocol it claims to speak (bad JSON, bad SSE, cut stream).</summary>
    ProtocolViolation,

    /// <summary>The upstream's response was larger than Warden accepts.</summary>
    ResponseTooLarge,

    /// <summary>
    /// The connection broke while a large request body (at least <see cref="UpstreamErrorPolicy.LargeRequestBodyBytes"/>)
    /// was still being sent: the upstream dropped the body before reading it all, which says "this request" (its size,
    /// most often), not "this upstream is down".
    /// </summary>
    RequestBodyDropped,
}
