using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;
using Scalar.AspNetCore;

namespace Warden.Server.Endpoints;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c> and Scalar's reference page over it at <c>/scalar</c>. Scalar's
/// script is served from its package (no CDN). Its page configures itself with one inline module script, so this page
/// gets its own Content-Security-Policy allowing exactly that script by hash (computed from the page as served) and
/// Scalar's own files from this origin; the console keeps its <c>script-src 'none'</c>, because this page is not under
/// <c>/console</c>.
/// </summary>
internal static partial class ApiReference
{
    public const string Path = "/scalar";

    public static void Map(WebApplication app)
    {
        app.MapOpenApi(AdminApiDescription.DocumentPath);
        app.UseWhen(c => c.Request.Path.StartsWithSegments(Path, StringComparison.Ordinal), branch => branch.Use(WithScriptHashesAsync));
        app.MapScalarApiReference(Path, options => options
            .WithTitle("Warden admin API")
            .WithOpenApiRoutePattern(AdminApiDescription.DocumentPath));
    }

    /// <summary>The policy of the reference page, allowing the inline scripts whose hashes are given and nothing else inline.</summary>
    public static string Policy(IEnumerable<string> scriptHashes) =>
        "default-src 'none'; script-src 'self'" + string.Concat(scriptHashes.Select(h => " 'sha256-" + h + "'"))
        + "; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:;"
        + " frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /// <summary>The base64 SHA-256 of every inline script's text in the page (CSP Level 2 hash sources).</summary>
    public static List<string> InlineScriptHashes(string html) =>
        ScriptElement().Matches(html)
            .Where(m => !m.Groups["attributes"].Value.Contains("src=", StringComparison.OrdinalIgnoreCase))
            .Select(m => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(m.Groups["body"].Value))))
            .Distinct(StringComparer.Ordinal)
            .ToList();

    private static async Task WithScriptHashesAsync(HttpContext context, RequestDelegate next)
    {
        var original = context.Features.Get<IHttpResponseBodyFeature>()!;
        using var buffer = new MemoryStream();
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(buffer));
        try
        {
            await next(context);
        }
        finally
        {
            context.Features.Set(original);
        }

        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        if (context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
        {
            headers.ContentSecurityPolicy = Policy(InlineScriptHashes(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length)));
        }
        else
        {
            headers.ContentSecurityPolicy = Policy([]);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original.Stream, context.RequestAborted);
    }

    [GeneratedRegex("<script(?<attributes>[^>]*)>(?<body>.*?)</script>", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex ScriptElement();
}
