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

    public static UpstreamErrorTreatment For(UpstreamErrorKind kind) => kind switch
    {
        UpstreamErrorKind.ConnectFailed => new(502, "upstream_unavailable", Retryable: true, SendRetryAfter: false),
        UpstreamErrorKind.Timeout => new(504, "upstream_timeout", Retryable: true, SendRetryAfter: false),
        UpstreamErrorKind.RateLimited => new(429, "rate_limit_exceeded", Retryable: true, SendRetryAfter: true),
        UpstreamErrorKind.Overloaded => new(503, "upstream_overloaded", Retryable: true, SendRetryAfter: true),
        UpstreamErrorKind.ServerError => new(502, "upstream_error", Retryable: true, SendRetryAfter: false),
        UpstreamErrorKind.CredentialRejected => new(502, "upstream_credential_rejected", Retryable: true, SendRetryAfter: false),
        UpstreamErrorKind.RequestRejected => new(400, "invalid_request_error", Retryable: false, SendRetryAfter: false),
        UpstreamErrorKind.ProtocolViolation => new(502, "upstream_protocol_error", Retryable: true, SendRetryAfter: false),
        UpstreamErrorKind.ResponseTooLarge => new(502, "upstream_response_too_large", Retryable: false, SendRetryAfter: false),
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
