using System.Net;
using Warden.Server.Console;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Console;

/// <summary>Failed sign-ins: refused, then throttled per address; each test has its own server (the count is per server).</summary>
public sealed class ConsoleLoginThrottleTests
{
    [Fact]
    public async Task SignIn_WithWrongKey_FailsThenIsRateLimited_EvenForTheRightKey()
    {
        await using var server = await WardenTestServer.StartAsync();
        using var http = new ConsoleHttp(server.Url);

        for (int i = 0; i < LoginThrottle.MaxFailuresPerAddress; i++)
        {
            using var wrong = await http.SignInAsync("wdn_admin_" + new string('x', 43));
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Null(http.Cookie(ConsoleSessions.CookieName));
        }

        using var throttled = await http.SignInAsync(server.AdminKey);

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        int retryAfter = int.Parse(Assert.Single(throttled.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, (int)LoginThrottle.Window.TotalSeconds);
        Assert.Null(http.Cookie(ConsoleSessions.CookieName));
    }

    [Fact]
    public async Task SignIn_WithClientKey_IsRefused()
    {
        // The demo key is a client key: it authenticates for the relay, never for the console (as for the admin API).
        await using var server = await WardenTestServer.StartAsync();
        using var http = new ConsoleHttp(server.Url);

        using var response = await http.SignInAsync(server.DemoKey);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(http.Cookie(ConsoleSessions.CookieName));
    }

    [Fact]
    public void Throttle_ForgetsFailuresAfterTheWindow()
    {
        var clock = new Simulator.ManualTimeProvider();
        var throttle = new LoginThrottle(clock);
        for (int i = 0; i < LoginThrottle.MaxFailuresPerAddress; i++)
        {
            Assert.Null(throttle.RetryAfter("192.0.2.1"));
            throttle.Failed("192.0.2.1");
        }

        Assert.Equal(LoginThrottle.Window, throttle.RetryAfter("192.0.2.1"));
        Assert.Null(throttle.RetryAfter("192.0.2.2"));

        clock.Advance(LoginThrottle.Window);
        Assert.Null(throttle.RetryAfter("192.0.2.1"));
    }
}
