using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Warden.Server.Console.Customers;

namespace Warden.Server.Console.Pages.My;

/// <summary>
/// TOTP enrolment (RFC 6238; SHA-1, 6 digits, 30 s, as authenticator apps expect): the secret is shown as text and as
/// an otpauth:// URI (no QR image, so no external service and no script), confirmed with one code, and then required at
/// sign-in; the recovery codes appear once, in the answer to the confirmation.
/// </summary>
internal sealed class CustomerSecurityModel(CustomerAccountStore accounts) : CustomerPageModel
{
    public CustomerAccount Account { get; private set; } = null!;

    public string? Secret { get; private set; }

    public string? Uri { get; private set; }

    public IReadOnlyList<string>? RecoveryCodes { get; private set; }

    public string? Problem { get; private set; }

    public void OnGet() => Account = Current();

    public IActionResult OnPostBegin()
    {
        Account = Current();
        Secret = accounts.BeginTotp(Account.Id);
        if (Secret is null)
        {
            return Page();
        }

        Uri = OtpUri(Account.Name, Secret);
        return Page();
    }

    public IActionResult OnPostConfirm(string? code)
    {
        Account = Current();
        RecoveryCodes = accounts.ConfirmTotp(Account.Id, code);
        if (RecoveryCodes is null)
        {
            Problem = "My.Security.WrongCode";
            return new PageResult { StatusCode = StatusCodes.Status400BadRequest };
        }

        Account = Current();
        return Page();
    }

    /// <summary>The Key Uri Format authenticator apps read: <c>otpauth://totp/Warden:&lt;name&gt;?secret=…&amp;issuer=Warden</c>.</summary>
    public static string OtpUri(string name, string secret) =>
        "otpauth://totp/Warden:" + System.Uri.EscapeDataString(name) + "?secret=" + secret.TrimEnd('=') + "&issuer=Warden&algorithm=SHA1&digits=6&period=30";

    private CustomerAccount Current() => accounts.Find(Session.Account.Id) ?? throw new InvalidOperationException("A signed-in account is gone.");
}
