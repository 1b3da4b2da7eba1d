using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Warden.Server.Console.Customers;

namespace Warden.Server.Console.Pages.My;

/// <summary>
/// Customer sign-in: name and password (Argon2id), and a TOTP or recovery code once enrolled. Throttled per address and
/// per name; a wrong password, an unknown name, a disabled account and a wrong code all read the same.
/// </summary>
[CustomerPage]
[ConsoleAnonymous]
internal sealed class CustomerLoginModel(CustomerAccountStore accounts, CustomerSessions sessions, CustomerLoginThrottle throttle) : PageModel
{
    public string? Problem { get; private set; }

    public string? Name { get; private set; }

    public IActionResult OnGet() => sessions.Find(HttpContext) is null ? Page() : Redirect(ConsoleSetup.PathPrefix + "/my");

    public IActionResult OnPost([FromForm(Name = "Name")] string? name, [FromForm(Name = "Password")] string? password, [FromForm(Name = "Code")] string? code)
    {
        string address = HttpContext.Connection.RemoteIpAddress?.ToString() ?? "-";
        Name = name?.Trim();
        if (throttle.RetryAfter(address, Name ?? "") is { } wait)
        {
            Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            Problem = "My.Login.Throttled";
            return new PageResult { StatusCode = StatusCodes.Status429TooManyRequests };
        }

        var result = accounts.SignIn(Name, password, code);
        if (result.Outcome == SignInOutcome.CodeNeeded)
        {
            Problem = "My.Login.CodeNeeded";
            return new PageResult { StatusCode = StatusCodes.Status401Unauthorized };
        }

        if (result.Account is not { } account)
        {
            throttle.Failed(address, Name ?? "");
            Problem = "My.Login.Wrong";
            return new PageResult { StatusCode = StatusCodes.Status401Unauthorized };
        }

        throttle.Succeeded(address, Name ?? "");
        if (sessions.Find(HttpContext) is { } previous)
        {
            sessions.Close(previous.Id);
        }

        CustomerSessions.WriteCookie(HttpContext, sessions.Open(account));
        return Redirect(ConsoleSetup.PathPrefix + "/my");
    }

    public IActionResult OnPostSignOut()
    {
        if (sessions.Find(HttpContext) is { } session)
        {
            sessions.Close(session.Id);
        }

        CustomerSessions.DeleteCookie(HttpContext);
        return Redirect(CustomerAuthFilter.LoginPath);
    }
}
