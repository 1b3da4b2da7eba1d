namespace Warden.Core.Providers;

/// <summary>
/// An upstream failure. <see cref="Message"/> is safe to show the client: it never contains the channel's credential.
/// </summary>
/// <param name="Kind">What went wrong.</param>
/// <param name="Message">A message for the client.</param>
/// <param name="UpstreamStatus">The upstream's HTTP status, when it answered.</param>
/// <param name="RetryAfter">The upstream's Retry-After, when it sent one.</param>
/// <param name="Param">The request field the upstream named, for rejected requests.</param>
/// <param name="Code">The upstream's error code, for rejected requests.</param>
public sealed record UpstreamError(
    UpstreamErrorKind Kind,
    string Message,
    int? UpstreamStatus = null,
    TimeSpan? RetryAfter = null,
    string? Param = null,
    string? Code = null);
