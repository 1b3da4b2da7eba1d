namespace Warden.Server.Keys;

internal enum AuthenticationOutcome
{
    Authenticated,
    Missing,

    /// <summary>
    /// No usable key: unknown, revoked or expired alike. One outcome, so that no endpoint can tell a caller that the
    /// string it holds was once a key (a revoked or expired key is as good as a guess).
    /// </summary>
    Unknown,

    /// <summary>A live key of the other role (an admin key on a model route): its holder may be told so, since they hold it.</summary>
    WrongRole,
}

/// <summary>The result of checking a presented key: the key when authenticated, otherwise why not.</summary>
internal readonly record struct AuthenticationResult(AuthenticationOutcome Outcome, ClientKey? Key);
