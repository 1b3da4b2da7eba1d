using System.Net;
using System.Text.RegularExpressions;

namespace Warden.Server.Tests.Console;

/// <summary>
/// A cookie-keeping HTTP client for the console, the way a browser without script would use it: GET a page, take the
/// antiforgery field from its form, POST the form. Redirects are not followed so tests see them.
/// </summary>
internal sealed partial class ConsoleHttp : IDisposable
{
    private readonly HttpClient _client;

    public ConsoleHttp(Uri baseUrl)
    {
        Handler = new HttpClientHandler { CookieContainer = Cookies, UseCookies = true, AllowAutoRedirect = false };
#pragma warning disable RS0030 // Tests are clients, not Warden.
        _client = new HttpClient(Handler) { BaseAddress = baseUrl };
#pragma warning restore RS0030
    }

    public CookieContainer Cookies { get; } = new();

    public HttpClientHandler Handler { get; }

    public Uri BaseAddress => _client.BaseAddress!;

    public Task<HttpResponseMessage> GetAsync(string path) => _client.GetAsync(path);

    public async Task<string> PageAsync(string path)
    {
        using var response = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The antiforgery field of the first form on <paramref name="html"/>.</summary>
    public static string Token(string html) => CsrfField().Match(html) is { Success: true } match
        ? WebUtility.HtmlDecode(match.Groups[1].Value)
        : throw new InvalidOperationException("The page has no antiforgery field.");

    /// <summary>Posts a form to <paramref name="action"/> with the antiforgery field of <paramref name="formPage"/>, unless it is null.</summary>
    public Task<HttpResponseMessage> PostAsync(string action, string? formPage, params (string Name, string Value)[] fields)
    {
        var values = fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).ToList();
        if (formPage is not null)
        {
            values.Add(new("__csrf", Token(formPage)));
        }

        return _client.PostAsync(action, new FormUrlEncodedContent(values));
    }

    public async Task<HttpResponseMessage> SignInAsync(string key)
    {
        string page = await PageAsync("console/login");
        return await PostAsync("console/login", page, ("AdminKey", key));
    }

    public string? Cookie(string name) =>
        Cookies.GetCookies(new Uri(BaseAddress, "console/")).FirstOrDefault(c => c.Name == name)?.Value;

    public void Dispose()
    {
        _client.Dispose();
        Handler.Dispose();
    }

    [GeneratedRegex("name=\"__csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}
