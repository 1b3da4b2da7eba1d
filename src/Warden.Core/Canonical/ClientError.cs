namespace Warden.Core.Canonical;

/// <summary>
/// An error for the client, independent of dialect; each dialect's error writer renders it in its own JSON
/// (OpenAI <c>{error:{message,type,param,code}}</c>, Anthropic <c>{type:"error",error:{type,message},request_id}</c>,
/// Gemini <c>{error:{code,message,status}}</c>).
/// </summary>
/// <param name="Status">HTTP status.</param>
/// <param name="Kind">What went wrong, which picks each dialect's error type.</param>
/// <param name="Message">A message for people; never contains a credential or content.</param>
/// <param name="Param">The request field to blame, when there is one.</param>
/// <param name="Code">A specific machine-readable code (OpenAI's code), when there is one.</param>
public sealed record ClientError(int Status, ClientErrorKind Kind, string Message, string? Param = null, string? Code = null);

/// <summary>Error classes every dialect can name.</summary>
public enum ClientErrorKind
{
    /// <summary>400: the request is malformed or cannot be carried out as asked.</summary>
    InvalidRequest,

    /// <summary>401: missing or bad key.</summary>
    Authentication,

    /// <summary>403: the key may not do this.</summary>
    Permission,

    /// <summary>404: unknown model or route.</summary>
    NotFound,

    /// <summary>413: the body is too large.</summary>
    RequestTooLarge,

    /// <summary>429: a rate limit.</summary>
    RateLimited,

    /// <summary>402: not enough credit.</summary>
    InsufficientCredit,

    /// <summary>500: Warden itself failed.</summary>
    Internal,

    /// <summary>502/504: the upstream failed or timed out.</summary>
    UpstreamFailed,

    /// <summary>503/529: the upstream (or Warden) is overloaded.</summary>
    Overloaded,
}
