using Microsoft.AspNetCore.Http;
using Warden.Server.Console;
using Warden.Server.Keys;
using Warden.Server.Tests.Simulator;

namespace Warden.Server.Tests.Console;

/// <summary>The server-side session store: expiry by idle time and by age, and the end of a session whose admin key is revoked.</summary>
public sealed class ConsoleSessionsTests
{
    private readonly ManualTimeProvider _clock = new();
    private readonly KeyDirectory _keys;
    private readonly ConsoleSessions _sessions;

    public ConsoleSessionsTests()
    {
        _keys = new KeyDirectory(new KeyHasher(new byte[32]), _clock);
        _keys.Replace([AdminKey(revokedAt: null)]);
        _sessions = new ConsoleSessions(_keys, _clock);
    }

    [Fact]
    public void Open_GivesDistinctRandomIds()
    {
        var ids = Enumerable.Range(0, 100).Select(_ => _sessions.Open("admin", "k1").Id).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(100, ids.Count);
        Assert.All(ids, id => Assert.Equal(43, id.Length));
    }

    [Fact]
    public void Session_UsedWithinIdleTimeout_LastsUntilMaxAge()
    {
        var session = _sessions.Open("admin", "k1");
        var step = ConsoleSessions.IdleTimeout - TimeSpan.FromMinutes(1);
        var elapsed = TimeSpan.Zero;
        while (elapsed + step < ConsoleSessions.MaxAge)
        {
            _clock.Advance(step);
            elapsed += step;
            Assert.NotNull(_sessions.Find(Request(session.Id)));
        }

        _clock.Advance(ConsoleSessions.MaxAge - elapsed);
        Assert.Null(_sessions.Find(Request(session.Id)));
    }

    [Fact]
    public void Session_IdleForTheTimeout_Ends()
    {
        var session = _sessions.Open("admin", "k1");

        _clock.Advance(ConsoleSessions.IdleTimeout);

        Assert.Null(_sessions.Find(Request(session.Id)));
    }

    [Fact]
    public void Session_WhoseAdminKeyIsRevoked_Ends()
    {
        var session = _sessions.Open("admin", "k1");
        Assert.NotNull(_sessions.Find(Request(session.Id)));

        _keys.Replace([AdminKey(revokedAt: _clock.GetUtcNow())]);

        Assert.Null(_sessions.Find(Request(session.Id)));
    }

    [Fact]
    public void Session_AfterClose_IsGone()
    {
        var session = _sessions.Open("admin", "k1");

        _sessions.Close(session.Id);

        Assert.Null(_sessions.Find(Request(session.Id)));
        Assert.Equal("console:admin", session.Actor);
    }

    private ClientKey AdminKey(DateTimeOffset? revokedAt) =>
        new("k1", "admin", KeyRole.Admin, "wdn_admin_abc", new byte[32], null, _clock.GetUtcNow(), null, revokedAt);

    private static DefaultHttpContext Request(string sessionId)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Cookie = ConsoleSessions.CookieName + "=" + sessionId;
        return context;
    }
}
