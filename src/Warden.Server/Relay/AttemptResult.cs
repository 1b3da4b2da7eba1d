using Warden.Core.Providers;

namespace Warden.Server.Relay;

/// <summary>
/// How one upstream attempt ended, as the attempt loop needs to know it: either the client has been answered
/// (an answer was committed, or a final refusal was written), or the attempt failed before anything reached the
/// client, so another channel may still be tried.
/// </summary>
internal readonly record struct AttemptResult(UpstreamError? Error)
{
    /// <summary>The client has its answer (or its final error); nothing more may be written.</summary>
    public static AttemptResult Answered => default;

    public static AttemptResult Fail(UpstreamError error) => new(error);

    public bool Failed => Error is not null;
}
