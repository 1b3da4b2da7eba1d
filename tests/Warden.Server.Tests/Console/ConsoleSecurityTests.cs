using System.Net;
using Warden.Server.Console;
using Warden.Server.Tests.Support;
using Warden.Server.Trust;

namespace Warden.Server.Tests.Console;

/// <summary>
/// The console's security over plain HTTP against a real Warden: headers on every response, sign-in to a server-side
/// session, antiforgery on every form, sign-out, one-time secrets, and audit attribution as console:admin. Only
/// successful sign-ins here: failed ones are throttled per address and have their own servers
/// (<see cref="ConsoleLoginThrottleTests"/>).
/// </summary>
public sealed class ConsoleSecurityTests(WardenFixture fixture) : IClassFixture<WardenFixture>
{
    private WardenTestServer Server => fixture.Server;

    [Theory]
    [InlineData("console/login")]
    [InlineData("console/console.css")]
    [InlineData("console/keys")]
    public async Task ConsoleResponses_CarryStrictCspFrameAndCacheHeaders(string path)
    {
        using var http = new ConsoleHttp(Server.Url);
        using var response = await http.GetAsync(path);

        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Equal(ConsoleSetup.ContentSecurityPolicy, csp);
        Assert.Contains("script-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignInPage_HasNoScriptAndNoInlineStyle()
    {
        using var http = new ConsoleHttp(Server.Url);
        string html = await http.PageAsync("console/login");

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("style=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("console")]
    [InlineData("console/channels")]
    [InlineData("console/keys")]
    [InlineData("console/usage")]
    [InlineData("console/usage?handler=Csv")]
    [InlineData("console/trust")]
    public async Task ConsolePage_WithoutSession_RedirectsToSignIn(string path)
    {
        using var http = new ConsoleHttp(Server.Url);
        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/console/login", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task ConsolePage_WithForgedSessionCookie_RedirectsToSignIn()
    {
        using var http = new ConsoleHttp(Server.Url);
        http.Cookies.Add(new Uri(Server.Url, "console/"), new Cookie(ConsoleSessions.CookieName, "forged-session-id", "/console"));
        using var response = await http.GetAsync("console/keys");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    [Fact]
    public async Task SignIn_WithAdminKey_SetsHttpOnlyStrictSessionCookie_NotSecureOverPlainHttp()
    {
        using var http = new ConsoleHttp(Server.Url);
        using var response = await http.SignInAsync(Server.AdminKey);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        string cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(ConsoleSessions.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/console", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie.Replace("samesite", "", StringComparison.OrdinalIgnoreCase), StringComparison.OrdinalIgnoreCase);

        // The cookie is a random id (256 bits, base64url), never the key or anything derived from it in the browser.
        string id = http.Cookie(ConsoleSessions.CookieName)!;
        Assert.Equal(43, id.Length);
        Assert.DoesNotContain(Server.AdminKey, cookie, StringComparison.Ordinal);
        using var keys = await http.GetAsync("console/keys");
        Assert.Equal(HttpStatusCode.OK, keys.StatusCode);
    }

    [Fact]
    public async Task SignIn_WithoutCsrfToken_IsRefusedAndOpensNoSession()
    {
        using var http = new ConsoleHttp(Server.Url);
        _ = await http.PageAsync("console/login"); // the antiforgery cookie is set; only the form field is missing

        using var response = await http.PostAsync("console/login", null, ("AdminKey", Server.AdminKey));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(http.Cookie(ConsoleSessions.CookieName));
    }

    [Fact]
    public async Task FormPost_WithoutCsrfToken_ChangesNothing()
    {
        using var http = new ConsoleHttp(Server.Url);
        Assert.Equal(HttpStatusCode.Redirect, (await http.SignInAsync(Server.AdminKey)).StatusCode);
        string name = "no-csrf-" + Guid.NewGuid().ToString("N");

        using var response = await http.PostAsync("console/keys?handler=Create", null, ("name", name));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Nothing was changed", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(Server.App.Data.Keys.List(), k => k.Name == name);
    }

    [Fact]
    public async Task FormPost_WithAnotherSessionsCsrfToken_IsRefused()
    {
        // A token from a page rendered for another browser (another antiforgery cookie) does not validate here.
        using var other = new ConsoleHttp(Server.Url);
        string foreignPage = await other.PageAsync("console/login");
        using var http = new ConsoleHttp(Server.Url);
        _ = await http.PageAsync("console/login");

        using var response = await http.PostAsync("console/login", foreignPage, ("AdminKey", Server.AdminKey));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(http.Cookie(ConsoleSessions.CookieName));
    }

    [Fact]
    public async Task SignOut_EndsTheSessionOnTheServer()
    {
        using var http = new ConsoleHttp(Server.Url);
        await http.SignInAsync(Server.AdminKey);
        string session = http.Cookie(ConsoleSessions.CookieName)!;
        string page = await http.PageAsync("console/keys");

        using var signOut = await http.PostAsync("console/login?handler=SignOut", page);
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);

        // The old id, replayed by someone who kept it, opens nothing.
        using var replay = new ConsoleHttp(Server.Url);
        replay.Cookies.Add(new Uri(Server.Url, "console/"), new Cookie(ConsoleSessions.CookieName, session, "/console"));
        using var response = await replay.GetAsync("console/keys");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    [Fact]
    public async Task KeyCreatedInConsole_IsShownOnce_AndAttributedToConsoleAdminInTheLog()
    {
        using var http = new ConsoleHttp(Server.Url);
        await http.SignInAsync(Server.AdminKey);
        string name = "console-key-" + Guid.NewGuid().ToString("N")[..8];
        string page = await http.PageAsync("console/keys");

        using var created = await http.PostAsync("console/keys?handler=Create", page, ("name", name), ("models", "sim-small"));
        string html = await created.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var key = Assert.Single(Server.App.Data.Keys.List(), k => k.Name == name);
        string plaintext = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(html, "id=\"new-key\" class=\"secret\" readonly value=\"([^\"]+)\"").Groups[1].Value);
        Assert.StartsWith("wdn_", plaintext, StringComparison.Ordinal);

        // It works, it is never shown again, and the log names the console session as the actor.
        using var chat = await Server.Http.SendAsync(Requests.Chat(plaintext, Requests.Body("sim-small", "hi")));
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        Assert.DoesNotContain(plaintext, await http.PageAsync("console/keys"), StringComparison.Ordinal);
        Assert.Contains(ConfigEntries(), e => e.Contains(key.Id, StringComparison.Ordinal) && e.Contains("\"by\":\"console:admin\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("2147483647")]
    public async Task KeyWithExpiryOutOfRange_IsRefusedWith400_Not500(string days)
    {
        using var http = new ConsoleHttp(Server.Url);
        await http.SignInAsync(Server.AdminKey);
        string name = "expiry-" + Guid.NewGuid().ToString("N")[..8];
        string page = await http.PageAsync("console/keys");

        using var response = await http.PostAsync("console/keys?handler=Create", page, ("name", name), ("expiresInDays", days));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("36500", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(Server.App.Data.Keys.List(), k => k.Name == name);
    }

    [Fact]
    public async Task ChannelAddedInConsole_NeverShowsItsCredentialAgain_AndIsAttributedToConsoleAdmin()
    {
        using var http = new ConsoleHttp(Server.Url);
        await http.SignInAsync(Server.AdminKey);
        string name = "console-channel-" + Guid.NewGuid().ToString("N")[..8];
        const string Credential = "sk-console-credential-never-shown-7f3a";
        string page = await http.PageAsync("console/channels");

        using var added = await http.PostAsync("console/channels?handler=Add", page,
            ("Form.Name", name), ("Form.Provider", "simulator"), ("Form.BaseUrl", Server.App.Simulator!.BaseUrl.ToString()),
            ("Form.Models", "sim-small"), ("Form.Priority", "0"), ("Form.Weight", "2"), ("Form.Credential", Credential),
            ("Form.AllowPrivateNetwork", "true"));

        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        var channel = Assert.Single(Server.App.Data.Channels.List(), c => c.Name == name);
        Assert.Equal(2, channel.Tuned.Weight);
        Assert.Equal(Credential, Server.App.Data.Channels.DecryptCredential(channel));
        string list = await http.PageAsync("console/channels?added=" + name);
        Assert.Contains(name, list, StringComparison.Ordinal);
        Assert.DoesNotContain(Credential, list, StringComparison.Ordinal);
        Assert.Contains(ConfigEntries(), e => e.Contains(channel.Id, StringComparison.Ordinal) && e.Contains("\"by\":\"console:admin\"", StringComparison.Ordinal));

        // A refused add renders the form again without the credential that came with it.
        using var refused = await http.PostAsync("console/channels?handler=Add", list,
            ("Form.Name", name), ("Form.Provider", "simulator"), ("Form.Models", "sim-small"), ("Form.Credential", Credential + "-2"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.DoesNotContain(Credential, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        string removeForm = await http.PageAsync("console/channels");
        using var removed = await http.PostAsync("console/channels?handler=Remove&id=" + channel.Id, removeForm);
        Assert.Equal(HttpStatusCode.Redirect, removed.StatusCode);
        Assert.DoesNotContain(Server.App.Data.Channels.List(), c => c.Name == name);
    }

    private List<string> ConfigEntries()
    {
        using var connection = Server.App.Data.Database.Open();
        return LogEntryRows.Read(connection, 0)
            .Where(r => r.Kind == LogEntryRows.ConfigKind)
            .Select(r => System.Text.Encoding.UTF8.GetString(r.Entry))
            .ToList();
    }
}
