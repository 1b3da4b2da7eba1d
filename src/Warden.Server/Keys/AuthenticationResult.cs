namespace Warden.Server.Keys;

internal enum AuthenticationOutcome
{
    Authenticated,
    Missing,
    Unknown,
    Revoked,
    Expired,
}

/// <summary>The result of checking a presented key: the key when authenticated, otherwise why not.</summary>
internal readonly record struct AuthenticationResult(AuthenticationOutcome Outcome, ClientKey? Key);
