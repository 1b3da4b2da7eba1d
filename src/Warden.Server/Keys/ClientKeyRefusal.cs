using Warden.Core.Canonical;

namespace Warden.Server.Keys;

/// <summary>What a route serving client keys answers when the presented key does not authenticate.</summary>
internal static class ClientKeyRefusal
{
    /// <summary>The answer for an unknown, revoked or expired key: the same for all three, so none reveals that a key existed.</summary>
    public const string NotValidMessage = "The API key is not valid (unknown, revoked or expired).";

    public const string AdminKeyMessage =
        "Admin keys cannot call models; use a client key (create one with 'warden keys create --name N' or POST /admin/keys).";

    /// <param name="outcome">Any outcome but <see cref="AuthenticationOutcome.Authenticated"/>.</param>
    /// <param name="keyHint">Where the route reads its key, for a request that sent none.</param>
    public static ClientError For(AuthenticationOutcome outcome, string keyHint) => outcome switch
    {
        AuthenticationOutcome.Missing => new(StatusCodes.Status401Unauthorized, ClientErrorKind.Authentication,
            $"No API key was sent. Send it as {keyHint}.", null, "invalid_api_key"),
        // The key is live and its holder knows it: say why it is refused, not that it is invalid.
        AuthenticationOutcome.WrongRole => new(StatusCodes.Status403Forbidden, ClientErrorKind.Permission, AdminKeyMessage, null, "admin_key_not_allowed"),
        _ => new(StatusCodes.Status401Unauthorized, ClientErrorKind.Authentication, NotValidMessage, null, "invalid_api_key"),
    };
}
