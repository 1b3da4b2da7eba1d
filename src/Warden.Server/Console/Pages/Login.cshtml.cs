using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Warden.Server.Keys;

namespace Warden.Server.Console.Pages;

/// <summary>
/// Sign-in with an admin key (checked exactly as the admin API checks it), then a server-side session. Failed attempts
/// are counted per address (<see cref="LoginThrottle"/>); the key itself is never kept, logged or sent back.
/// </summary>
[ConsoleAnonymous]
internal sealed class LoginModel(KeyDirectory keys, ConsoleSessions sessions, LoginThrottle throttle) : PageModel
{
    /// <summary>The key to the message shown above the form, if any.</summary>
    public string? Problem { get; private set; }

    public IActionResult OnGet() => sessions.Find(HttpContext) is null ? Page() : Redirect(ConsoleSetup.PathPrefix);

    public IActionResult OnPost([FromForm(Name = "AdminKey")] string? adminKey)
    {
        string address = HttpContext.Connection.RemoteIpAddress?.ToString() ?? "-";
        if (throttle.RetryAfter(address) is { } wait)
        {
            Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            Problem = "Login.Throttled";
            return new PageResult { StatusCode = StatusCodes.Status429TooManyRequests };
        }

        var result = keys.Authenticate(adminKey?.Trim(), KeyRole.Admin);
        if (result.Outcome != AuthenticationOutcome.Authenticated)
        {
            throttle.Failed(address);
            Problem = "Login.Wrong";
            return new PageResult { StatusCode = StatusCodes.Status401Unauthorized };
        }

        throttle.Succeeded(address);

        // A fresh id on every sign-in: a session id planted before sign-in is never promoted (session fixation).
        if (sessions.Find(HttpContext) is { } previous)
        {
            sessions.Close(previous.Id);
        }

        ConsoleSessions.WriteCookie(HttpContext, sessions.Open("admin", result.Key!.Id));
        return Redirect(ConsoleSetup.PathPrefix);
    }

    public IActionResult OnPostSignOut()
    {
        if (sessions.Find(HttpContext) is { } session)
        {
            sessions.Close(session.Id);
        }

        ConsoleSessions.DeleteCookie(HttpContext);
        return Redirect(ConsoleSetup.PathPrefix + "/login");
    }
}
