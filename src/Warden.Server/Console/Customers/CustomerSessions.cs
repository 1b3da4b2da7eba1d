using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Warden.Server.Console.Customers;

/// <summary>
/// Customer sessions, kept apart from the operators' (<see cref="ConsoleSessions"/>): their own cookie, scoped to
/// <c>/console/my</c>, so a customer's cookie is never even sent to an operator page, and an operator's session does not
/// open customer pages. The same lifetimes as an operator's; a session also ends as soon as its account is disabled
/// (checked against the database on every request, so a CLI or another node disabling it counts too).
/// </summary>
internal sealed class CustomerSessions(CustomerAccountStore accounts, TimeProvider time)
{
    public const string CookieName = "warden-customer";
    public const string CookiePath = ConsoleSetup.PathPrefix + "/my";

    private readonly ConcurrentDictionary<string, CustomerSession> _sessions = new(StringComparer.Ordinal);

    public CustomerSession Open(CustomerAccount account)
    {
        Sweep();
        var session = new CustomerSession(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_'), account, time.GetUtcNow());
        _sessions[session.Id] = session;
        return session;
    }

    public CustomerSession? Find(HttpContext context)
    {
        if (!context.Request.Cookies.TryGetValue(CookieName, out string? id) || string.IsNullOrEmpty(id)
            || !_sessions.TryGetValue(id, out var session))
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (!IsLive(session, now) || accounts.Find(session.Account.Id) is not { Active: true })
        {
            _sessions.TryRemove(id, out _);
            return null;
        }

        session.LastSeen = now;
        return session;
    }

    public void Close(string id) => _sessions.TryRemove(id, out _);

    /// <summary>Ends every session of an account at once (an operator disabled it here).</summary>
    public int CloseAll(string accountId)
    {
        int closed = 0;
        foreach (var (id, session) in _sessions)
        {
            if (session.Account.Id == accountId && _sessions.TryRemove(id, out _))
            {
                closed++;
            }
        }

        return closed;
    }

    public static void WriteCookie(HttpContext context, CustomerSession session) =>
        context.Response.Cookies.Append(CookieName, session.Id, CookieOptions(context));

    public static void DeleteCookie(HttpContext context) => context.Response.Cookies.Delete(CookieName, CookieOptions(context));

    private static CookieOptions CookieOptions(HttpContext context) => new()
    {
        HttpOnly = true,
        Secure = context.Request.IsHttps,
        SameSite = SameSiteMode.Strict,
        Path = CookiePath,
        IsEssential = true,
    };

    private static bool IsLive(CustomerSession session, DateTimeOffset now) =>
        now - session.CreatedAt < ConsoleSessions.MaxAge && now - session.LastSeen < ConsoleSessions.IdleTimeout;

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
}
