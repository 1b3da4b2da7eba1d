using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Warden.Server.Console;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Console;

/// <summary>
/// The operator console in a real Chromium against a real Warden with the simulator as upstream: sign in, add a
/// channel and test it, create a key, see a request made with it in usage and in the CSV export; the Chinese pages
/// show no English; CSP stops injected script; forms without the antiforgery field are refused; wrong keys are refused
/// and then throttled. Each test saves screenshots (<see cref="ConsoleBrowser.ScreenshotFolder"/>).
/// </summary>
public sealed partial class ConsoleBrowserTests(ConsoleBrowser browser) : IClassFixture<ConsoleBrowser>
{
    private static readonly string[] Pages = ["/console", "/console/channels", "/console/keys", "/console/usage", "/console/trust"];

    [Fact]
    public async Task Operator_AddsAndTestsChannel_CreatesKey_AndSeesItsRequestInUsageAndCsv()
    {
        await using var server = await WardenTestServer.StartAsync();
        var page = await browser.NewPageAsync(server.Url);
        await SignInAsync(page, server.AdminKey);
        await ConsoleBrowser.ScreenshotAsync(page, "dashboard-empty");

        // Add a channel pointing at the simulator, typing the simulator's key as its credential; the credential field is
        // empty again once the page comes back.
        var demo = server.App.Data.Channels.List().Single(c => c.ManagedSimulator);
        string credential = server.App.Data.Channels.DecryptCredential(demo);
        await page.GotoAsync("/console/channels");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("browser-sim");
        await page.GetByLabel("Provider", new() { Exact = true }).SelectOptionAsync("simulator");
        await page.GetByLabel("Base URL").FillAsync(server.App.Simulator!.BaseUrl.ToString());
        await page.GetByLabel("Models", new() { Exact = true }).FillAsync("sim-small");

        // Above the demo channel, which serves the same model, so the request below goes through this one.
        await page.GetByLabel("Priority").FillAsync("10");
        await page.GetByLabel("Upstream credential").FillAsync(credential);
        await page.GetByLabel("Allow loopback and private addresses").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add channel" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("browser-sim");
        Assert.DoesNotContain(credential, await page.ContentAsync(), StringComparison.Ordinal);

        // Test it: one small request, with latency, served model and usage shown.
        await page.GetByRole(AriaRole.Button, new() { Name = "Test channel browser-sim" }).ClickAsync();
        var result = page.Locator("section.result");
        await Assertions.Expect(result.Locator("h2")).ToContainTextAsync("browser-sim");
        await Assertions.Expect(result.Locator("dl")).ToHaveAttributeAsync("data-test-ok", "true");
        await Assertions.Expect(result.Locator(".served-model")).ToHaveTextAsync("sim-small");
        await ConsoleBrowser.ScreenshotAsync(page, "channels-tested");

        // Create a key for that model; it is shown once.
        await page.GotoAsync("/console/keys");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("browser-key");
        await page.GetByLabel("Models", new() { Exact = true }).FillAsync("sim-small");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        string key = await page.GetByLabel("New key").InputValueAsync();
        Assert.StartsWith("wdn_", key, StringComparison.Ordinal);
        await ConsoleBrowser.ScreenshotAsync(page, "keys-created");

        // A request with the new key, sent by the test as any client would.
        using var chat = await server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-small", "hello from the browser test")));
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        string requestId = chat.Headers.GetValues("x-request-id").Single();
        await server.App.Services.GetRequiredService<Warden.Server.Usage.UsageWriter>().FlushAsync();

        await page.GotoAsync("/console/usage?q=browser-key");
        var row = page.Locator("table.usage tbody tr").Filter(new() { HasText = requestId });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync("sim-small");
        await Assertions.Expect(row).ToContainTextAsync("browser-sim");
        Assert.DoesNotContain("hello from the browser test", await page.ContentAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(key, await page.ContentAsync(), StringComparison.Ordinal);
        await ConsoleBrowser.ScreenshotAsync(page, "usage");

        // The CSV export, fetched with the browser's own session.
        var csv = await page.APIRequest.GetAsync(await page.Locator("#csv").GetAttributeAsync("href") ?? "");
        Assert.Equal(200, csv.Status);
        Assert.StartsWith("text/csv", csv.Headers["content-type"], StringComparison.Ordinal);
        string text = await csv.TextAsync();
        string line = Assert.Single(text.Split("\r\n"), l => l.Contains(requestId, StringComparison.Ordinal));
        Assert.Contains(",sim-small,", line, StringComparison.Ordinal);
        Assert.Contains(",browser-sim,", line, StringComparison.Ordinal);
        Assert.DoesNotContain(key, text, StringComparison.Ordinal);

        // The dashboard and the trust page now show the traffic and the log.
        await page.GotoAsync("/console?period=hour");
        await Assertions.Expect(page.Locator("svg.chart rect.bar")).Not.ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Rowheader, new() { Name = "sim-small" })).ToHaveCountAsync(1);
        await ConsoleBrowser.ScreenshotAsync(page, "dashboard");
        await page.GotoAsync("/console/trust");
        await Assertions.Expect(page.Locator("pre.note")).ToContainTextAsync(server.App.Services.GetRequiredService<Warden.Server.Trust.TransparencyLog>().Origin);
        await ConsoleBrowser.ScreenshotAsync(page, "trust");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ChineseLocale_ShowsNoEnglishString_OnAnyPage()
    {
        await using var server = await WardenTestServer.StartAsync();
        var page = await browser.NewPageAsync(server.Url);
        await page.GotoAsync("/console/login?lang=zh-Hans");
        await AssertNoEnglishAsync(page, "login");
        await ConsoleBrowser.ScreenshotAsync(page, "zh-login");
        await page.Locator("#admin-key").FillAsync(server.AdminKey);
        await page.Locator("form.stack button").ClickAsync();
        await Assertions.Expect(page.Locator("svg.chart")).ToHaveCountAsync(1);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console$"));

        // Some traffic, so the tables and chart are not empty.
        using (var chat = await server.Http.SendAsync(Requests.Chat(server.DemoKey, Requests.Body("sim-small", "hi"))))
        {
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        }

        await server.App.Services.GetRequiredService<Warden.Server.Usage.UsageWriter>().FlushAsync();
        foreach (string path in Pages)
        {
            await page.GotoAsync(path);
            Assert.Equal("zh-Hans", await page.Locator("html").GetAttributeAsync("lang"));
            await AssertNoEnglishAsync(page, path);
            await ConsoleBrowser.ScreenshotAsync(page, "zh-" + (path == "/console" ? "dashboard" : path["/console/".Length..]));
        }

        // Also the results of the test button and of creating a key.
        await page.GotoAsync("/console/channels");
        await page.Locator("td.actions form button").First.ClickAsync();
        await Assertions.Expect(page.Locator("section.result")).ToHaveCountAsync(1);
        await AssertNoEnglishAsync(page, "channel test");
        await page.GotoAsync("/console/keys");
        await page.Locator("#key-name").FillAsync("zh-key");
        await page.Locator("section[aria-labelledby=create] button").ClickAsync();
        await Assertions.Expect(page.Locator("#new-key")).ToHaveCountAsync(1);
        await AssertNoEnglishAsync(page, "key created");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Csp_StopsInjectedScript_AndPagesCarryNoScript()
    {
        await using var server = await WardenTestServer.StartAsync();
        var page = await browser.NewPageAsync(server.Url);
        var response = await page.GotoAsync("/console/login");
        Assert.Equal(ConsoleSetup.ContentSecurityPolicy, await response!.HeaderValueAsync("content-security-policy"));
        await SignInAsync(page, server.AdminKey);

        foreach (string path in Pages)
        {
            var navigation = await page.GotoAsync(path);
            Assert.Equal(ConsoleSetup.ContentSecurityPolicy, await navigation!.HeaderValueAsync("content-security-policy"));
            Assert.Equal(0, await page.EvaluateAsync<int>("() => document.scripts.length + document.querySelectorAll('[style],style').length"));

            // Markup injected into the page (what an XSS would do) cannot run script: the CSP refuses inline script.
            bool ran = await page.EvaluateAsync<bool>("""
                async () => {
                    window.__injected = false;
                    const s = document.createElement('script');
                    s.textContent = 'window.__injected = true';
                    document.body.appendChild(s);
                    const img = document.createElement('div');
                    img.innerHTML = '<img src=x onerror="window.__injected = true">';
                    document.body.appendChild(img);
                    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
                    return window.__injected;
                }
                """);
            Assert.False(ran, path);
        }

        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task FormWithoutCsrfField_IsRefused_AndCreatesNothing()
    {
        await using var server = await WardenTestServer.StartAsync();
        var page = await browser.NewPageAsync(server.Url);
        await SignInAsync(page, server.AdminKey);
        await page.GotoAsync("/console/keys");
        await page.Locator("#key-name").FillAsync("no-csrf-key");

        // Strip the antiforgery field from the create form, as a forged cross-site form would lack it.
        await page.EvaluateAsync("() => document.querySelectorAll('section[aria-labelledby=create] input[name=__csrf]').forEach(e => e.remove())");
        var waiting = page.WaitForResponseAsync(r => r.Url.Contains("handler=Create", StringComparison.Ordinal));
        await page.Locator("section[aria-labelledby=create] button").ClickAsync();
        var response = await waiting;

        Assert.Equal(400, response.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Nothing was changed");
        Assert.DoesNotContain(server.App.Data.Keys.List(), k => k.Name == "no-csrf-key");
        await ConsoleBrowser.ScreenshotAsync(page, "csrf-refused");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SignIn_WithWrongKey_ShowsTheError_ThenIsThrottled()
    {
        await using var server = await WardenTestServer.StartAsync();
        var page = await browser.NewPageAsync(server.Url);
        IResponse? last = null;
        for (int i = 0; i <= LoginThrottle.MaxFailuresPerAddress; i++)
        {
            await page.GotoAsync("/console/login");
            await page.Locator("#admin-key").FillAsync(i < LoginThrottle.MaxFailuresPerAddress ? "wdn_admin_wrong" : server.AdminKey);
            var waiting = page.WaitForResponseAsync(r => r.Request.Method == "POST");
            await page.Locator("form.stack button").ClickAsync();
            last = await waiting;
            if (i == 0)
            {
                Assert.Equal(401, last.Status);
                await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("That is not a valid admin key.");
                await ConsoleBrowser.ScreenshotAsync(page, "signin-wrong-key");
            }
        }

        Assert.Equal(429, last!.Status);
        Assert.NotNull(await last.HeaderValueAsync("retry-after"));
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Too many failed sign-ins");
        await ConsoleBrowser.ScreenshotAsync(page, "signin-throttled");
        var context = page.Context;
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == ConsoleSessions.CookieName);
        await context.CloseAsync();
    }

    private static async Task SignInAsync(IPage page, string adminKey)
    {
        await page.GotoAsync("/console/login");
        await page.GetByLabel("Admin key").FillAsync(adminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Dashboard");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console$"));
    }

    /// <summary>
    /// The page's visible text holds none of the English strings, and no untranslated key. Data the operator typed or
    /// the server recorded (names and models, marked translate="no"; ids, hints and log entries in code and pre) is
    /// left out: it is the same in every language.
    /// </summary>
    internal static async Task AssertNoEnglishAsync(IPage page, string where)
    {
        string text = await page.EvaluateAsync<string>("""
            () => {
                const copy = document.body.cloneNode(true);
                copy.querySelectorAll('[translate=no], code, pre, option, input, title').forEach(e => e.remove());
                return copy.innerText + '\n' + [...document.querySelectorAll('[aria-label]')].map(e => e.getAttribute('aria-label')).join('\n');
            }
            """);
        foreach (var (key, english) in EnglishText.Strings)
        {
            if (english == ChineseText.Strings[key])
            {
                continue;
            }

            foreach (string part in Placeholder().Split(english).Select(p => p.Trim(' ', '.', ',', ':', '(', ')')).Where(p => p.Length >= 3))
            {
                Assert.False(
                    Regex.IsMatch(text, "(?<![A-Za-z])" + Regex.Escape(part) + "(?![A-Za-z])"),
                    $"{where}: the English '{part}' ({key}) is on the Chinese page.");
            }
        }

        Assert.DoesNotMatch(UntranslatedKey(), text);
    }

    [GeneratedRegex(@"\{\d\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\b(?:Layout|Nav|Common|Login|Dashboard|Period|Column|Health|Channels|Keys|Role|Usage|Trust|Csrf|Accounts|My)\.[A-Za-z.-]+\b")]
    private static partial Regex UntranslatedKey();
}
