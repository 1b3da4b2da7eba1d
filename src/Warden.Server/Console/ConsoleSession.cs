namespace Warden.Server.Console;

/// <summary>One signed-in operator, held only in the server's memory; the browser holds nothing but the random id.</summary>
/// <param name="Id">256 random bits, base64url: the session cookie's value.</param>
/// <param name="User">Who acts: "admin" for an admin-key sign-in; audit entries read <c>console:&lt;user&gt;</c>.</param>
/// <param name="KeyId">The admin key that opened the session: revoking it ends the session.</param>
/// <param name="CreatedAt">Sign-in time; the session ends <see cref="ConsoleSessions.MaxAge"/> after it whatever happens.</param>
internal sealed record ConsoleSession(string Id, string User, string KeyId, DateTimeOffset CreatedAt)
{
    /// <summary>Last request seen; the session ends <see cref="ConsoleSessions.IdleTimeout"/> after it.</summary>
    public DateTimeOffset LastSeen { get; set; } = CreatedAt;

    /// <summary>The audit actor of this session's changes (the admin API's are "admin:&lt;key id&gt;").</summary>
    public string Actor => "console:" + User;
}
