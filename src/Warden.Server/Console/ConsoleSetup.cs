using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc.ApplicationParts;

namespace Warden.Server.Console;

/// <summary>
/// The operator console at <c>/console</c>: Razor Pages rendered on the server, no script at all (docs/console.md).
/// What every console response carries, and the order: language, security headers, then the page.
/// </summary>
internal static class ConsoleSetup
{
    public const string PathPrefix = "/console";

    /// <summary>
    /// No script may run (the console has none), styles only from the console's own stylesheet, forms post only to this
    /// origin, and no page may be framed. Inline SVG charts need nothing: they are markup, not fetched images.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static void AddConsole(IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddSingleton<ConsoleSessions>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<ChannelProbe>();
        services.AddScoped<ConsoleText>();

        // Antiforgery tokens are protected by Data Protection. Its keys live in memory, like the sessions they guard: a
        // restart ends both, and no key file is written to the user's home folder (nor a warning logged about it).
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "warden-console-csrf";
            o.Cookie.Path = PathPrefix;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__csrf";
            o.HeaderName = null;
        });
        services.AddRazorPages(o => o.RootDirectory = "/Console/Pages")
            .AddMvcOptions(o =>
            {
                o.Filters.Add<ConsoleAuthFilter>();
                o.Filters.Add<CsrfRefusal>();
            })
            .ConfigureApplicationPartManager(parts =>
            {
                // The pages are compiled into this assembly; the default parts come from the entry assembly, which is a
                // test host when the tests start Warden in-process.
                var assembly = typeof(ConsoleSetup).Assembly;
                parts.ApplicationParts.Clear();
                foreach (var part in ApplicationPartFactory.GetApplicationPartFactory(assembly).GetApplicationParts(assembly))
                {
                    parts.ApplicationParts.Add(part);
                }
            });
        Customers.CustomerSetup.Add(services);
    }

    public static void Map(WebApplication app)
    {
        app.UseWhen(c => c.Request.Path.StartsWithSegments(PathPrefix), console => console.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";

            // Pages show one-time secrets (a new key) and operator data: never kept by a browser or proxy cache.
            headers.CacheControl = "no-store";
            context.Items[ConsoleText.LanguageItem] = ConsoleLanguage.Resolve(context);

            // The API's status pages answer in a client protocol's JSON; a console page answers for itself.
            if (context.Features.Get<IStatusCodePagesFeature>() is { } statusPages)
            {
                statusPages.Enabled = false;
            }

            return next(context);
        }));

        app.MapGet(PathPrefix + "/console.css", () => Results.Bytes(Stylesheet.Value, "text/css; charset=utf-8"));
        Customers.CustomerSetup.Map(app);
        app.MapRazorPages();
    }

    private static readonly Lazy<byte[]> Stylesheet = new(() =>
    {
        using var stream = typeof(ConsoleSetup).Assembly.GetManifestResourceStream("Warden.Server.Console.console.css")
            ?? throw new InvalidOperationException("The console stylesheet is not embedded.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    });
}
