namespace Warden.Server.Console;

/// <summary>
/// The console's two languages and how a request picks one: <c>?lang=</c> (which also sets the cookie), else the
/// cookie, else the browser's Accept-Language (Chinese of any script reads zh-Hans), else English. Chosen per request
/// from the request alone, not from CultureInfo: the server runs with invariant globalization.
/// </summary>
internal static class ConsoleLanguage
{
    public const string English = "en";
    public const string SimplifiedChinese = "zh-Hans";
    public const string CookieName = "warden-console-lang";

    public static IReadOnlyList<string> All { get; } = [English, SimplifiedChinese];

    public static string Resolve(HttpContext context)
    {
        if (Parse(context.Request.Query["lang"].ToString()) is { } asked)
        {
            context.Response.Cookies.Append(CookieName, asked, new CookieOptions
            {
                HttpOnly = true,
                Secure = context.Request.IsHttps,
                SameSite = SameSiteMode.Strict,
                Path = ConsoleSetup.PathPrefix,
                MaxAge = TimeSpan.FromDays(365),
                IsEssential = true,
            });
            return asked;
        }

        if (context.Request.Cookies.TryGetValue(CookieName, out string? cookie) && Parse(cookie) is { } remembered)
        {
            return remembered;
        }

        foreach (var value in context.Request.Headers.AcceptLanguage)
        {
            if (value is not null && value.TrimStart().StartsWith("zh", StringComparison.OrdinalIgnoreCase))
            {
                return SimplifiedChinese;
            }
        }

        return English;
    }

    public static string? Parse(string? value) => value switch
    {
        "en" => English,
        "zh-Hans" or "zh-hans" or "zh-CN" or "zh" => SimplifiedChinese,
        _ => null,
    };
}
