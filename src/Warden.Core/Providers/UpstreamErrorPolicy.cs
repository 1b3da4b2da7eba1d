using Warden.Core.Canonical;

namespace Warden.Core.Providers;

/// <summary>
/// The one table that says what each upstream failure becomes for the client, and whether another attempt may help.
/// Nothing else in Warden decides this (no string matching on messages elsewhere).
/// </summary>
public static class UpstreamErrorPolicy
{
    /// <summary>Retry-After sent on 429/503 when the upstream gave none: clients such as Codex do not retry a 429 without it.</summary>
    public static TimeSpan DefaultRetryAfter { get; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A connection lost while sending a body at least this large, before all of it was sent, is the request's failure
    /// (<see cref="UpstreamErrorKind.RequestBodyDropped"/>), not the upstream's: a provider resets an oversized body
    /// rather than read it. Smaller bodies are sent in a few packets, so losing the connection then is the network's.
    /// </summary>
    public const int LargeRequestBodyBytes = 1024 * 1024;

    // A 429 cools the key down instead of counting (UpstreamHealth); a rejected request, an oversized answer and a
    // dropped large body are the request's, not the key's (issue 18: five 30 MB bodies paused a model for everyone).
    public static UpstreamErrorTreatment For(UpstreamErrorKind kind) => kind switch
    {
        UpstreamErrorKind.ConnectFailed => new(502, "upstream_unavailable", Retryable: true, SendRetryAfter: false, CountsAgainstHealth: true),
        UpstreamErrorKind.Timeout => new(504, "upstream_timeout", Retryable: true, SendRetryAfter: false, CountsAgainstHealth: true),
        UpstreamErrorKind.RateLimited => new(429, "rate_limit_exceeded", Retryable: true, SendRetryAfter: true, CountsAgainstHealth: false),
        UpstreamErrorKind.Overloaded => new(503, "upstream_overloaded", Retryable: true, SendRetryAfter: true, CountsAgainstHealth: true),
        UpstreamErrorKind.ServerError => new(502, "upstream_error", Retryable: true, SendRetryAfter: false, CountsAgainstHealth: true),
        UpstreamErrorKind.CredentialRejected => new(502, "upstream_credential_rejected", Retryable: true, SendRetryAfter: false, CountsAgainstHealth: true),
        UpstreamErrorKind.RequestRejected => new(400, "invalid_request_error", Retryable: false, SendRetryAfter: false, CountsAgainstHealth: false),
        UpstreamErrorKind.ProtocolViolation => new(502, "upstream_protocol_error", Retryable: true, SendRetryAfter: false, CountsAgainstHealth: true),
        UpstreamErrorKind.ResponseTooLarge => new(502, "upstream_response_too_large", Retryable: false, SendRetryAfter: false, CountsAgainstHealth: false),

        // Another channel may accept the body (its limit may be higher), so it is retried; the client is told 413.
        UpstreamErrorKind.RequestBodyDropped => new(413, "request_too_large", Retryable: true, SendRetryAfter: false, CountsAgainstHealth: false),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// The status the client gets. A rejected request keeps the upstream's own 4xx (404, 413, 422 say more than 400);
    /// everything else is the table's status, because the client cannot fix the operator's upstream.
    /// </summary>
    public static int ClientStatus(UpstreamError error) =>
        error.Kind == UpstreamErrorKind.RequestRejected && error.UpstreamStatus is >= 400 and < 500 ? error.UpstreamStatus.Value : For(error.Kind).ClientStatus;

    /// <summary>Classifies an upstream HTTP status that is not a success.</summary>
    public static UpstreamErrorKind Classify(int status) => status switch
    {
        429 => UpstreamErrorKind.RateLimited,
        503 or 529 => UpstreamErrorKind.Overloaded,
        401 or 403 => UpstreamErrorKind.CredentialRejected,
        >= 500 => UpstreamErrorKind.ServerError,
        _ => UpstreamErrorKind.RequestRejected,
    };

    /// <summary>What the client is told about an upstream failure, in dialect-neutral form.</summary>
    public static ClientError ToClientError(UpstreamError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        int status = ClientStatus(error);
        var kind = status switch
        {
            404 => ClientErrorKind.NotFound,
            413 => ClientErrorKind.RequestTooLarge,
            429 => ClientErrorKind.RateLimited,
            503 or 529 => ClientErrorKind.Overloaded,
            >= 500 => ClientErrorKind.UpstreamFailed,
            _ => ClientErrorKind.InvalidRequest,
        };
        string? code = error.Kind == UpstreamErrorKind.RequestRejected ? error.Code : For(error.Kind).ErrorType;
        return new ClientError(status, kind, error.Message, error.Param, code);
    }
}
