using System.Collections.Concurrent;
using System.Security.Cryptography;
using Warden.Server.Keys;

namespace Warden.Server.Console;

/// <summary>
/// The console's server-side session store. A session id is 256 random bits, so the cookie is a bearer secret with no
/// meaning of its own; everything else stays here and is gone on sign-out, on expiry, on restart, or when the admin key
/// that opened it stops authenticating. In memory on purpose: a restart signing operators out costs little, and no
/// session secret ever reaches the database.
/// </summary>
internal sealed class ConsoleSessions(KeyDirectory keys, TimeProvider time)
{
    public const string CookieName = "warden-console";

    /// <summary>Sign-in lasts at most this long, however active the operator is.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(8);

    /// <summary>A session nobody used for this long is over.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(30);

    private readonly ConcurrentDictionary<string, ConsoleSession> _sessions = new(StringComparer.Ordinal);

    public int Count => _sessions.Count;

    public ConsoleSession Open(string user, string keyId)
    {
        Sweep();
        var session = new ConsoleSession(Base64Url(RandomNumberGenerator.GetBytes(32)), user, keyId, time.GetUtcNow());
        _sessions[session.Id] = session;
        return session;
    }

    /// <summary>The live session named by the request's cookie, its idle clock restarted; null when there is none.</summary>
    public ConsoleSession? Find(HttpContext context)
    {
        if (!context.Request.Cookies.TryGetValue(CookieName, out string? id) || string.IsNullOrEmpty(id)
            || !_sessions.TryGetValue(id, out var session))
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (!IsLive(session, now))
        {
            _sessions.TryRemove(id, out _);
            return null;
        }

        session.LastSeen = now;
        return session;
    }

    public void Close(string id) => _sessions.TryRemove(id, out _);

    /// <summary>Sets the session cookie: HttpOnly, SameSite=Strict, Secure when the request came over TLS, console paths only.</summary>
    public static void WriteCookie(HttpContext context, ConsoleSession session) =>
        context.Response.Cookies.Append(CookieName, session.Id, CookieOptions(context));

    public static void DeleteCookie(HttpContext context) =>
        context.Response.Cookies.Delete(CookieName, CookieOptions(context));

    private static CookieOptions CookieOptions(HttpContext context) => new()
    {
        HttpOnly = true,
        Secure = context.Request.IsHttps,
        SameSite = SameSiteMode.Strict,
        Path = ConsoleSetup.PathPrefix,
        IsEssential = true,
    };

    private bool IsLive(ConsoleSession session, DateTimeOffset now) =>
        now - session.CreatedAt < MaxAge
        && now - session.LastSeen < IdleTimeout
        && keys.IsActive(session.KeyId, KeyRole.Admin);

    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (id, session) in _sessions)
        {
            if (!IsLive(session, now))
            {
                _sessions.TryRemove(id, out _);
            }
        }
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
