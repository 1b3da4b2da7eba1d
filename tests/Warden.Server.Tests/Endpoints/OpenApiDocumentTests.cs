using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Endpoints;

/// <summary>
/// /openapi/v1.json describes every admin route the app maps (read from its endpoint data source, so a new route
/// without a description fails here), with a name, a summary, request and response schemas in the wire's snake_case,
/// and the admin key scheme; /scalar serves Scalar's page with its own script from this server, under a CSP that
/// allows exactly the page's inline script, while the console keeps script-src 'none'.
/// </summary>
public sealed class OpenApiDocumentTests(WardenFixture fixture) : IClassFixture<WardenFixture>
{
    private WardenTestServer Server => fixture.Server;

    [Fact]
    public async Task Document_DescribesEveryMappedAdminRoute_WithNamesSchemasAndTheAdminScheme()
    {
        using var response = await Server.Http.GetAsync("openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = document.RootElement;
        var paths = root.GetProperty("paths");

        var scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty("admin_key");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());

        var mapped = Server.App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && raw.StartsWith("/admin", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => (Method: m, Path: e.RoutePattern.RawText!)))
            .ToList();
        Assert.True(mapped.Count >= 30, $"only {mapped.Count} admin routes found");
        HashSet<string> operationIds = new(StringComparer.Ordinal);
        foreach (var (method, path) in mapped)
        {
            string openApiPath = Regex.Replace(path, @"\{\*{0,2}([A-Za-z]+)[^}]*\}", "{$1}");
            Assert.True(paths.TryGetProperty(openApiPath, out var item), $"{method} {path} is not in the document");
            Assert.True(item.TryGetProperty(method.ToLowerInvariant(), out var operation), $"{method} {path} is not in the document");
            string? id = operation.TryGetProperty("operationId", out var idElement) ? idElement.GetString() : null;
            Assert.False(string.IsNullOrEmpty(id), $"{method} {path} has no operationId (add it to AdminApiDescription.Operations)");
            Assert.True(operationIds.Add(id!), $"operationId {id} is used twice");
            Assert.True(operation.TryGetProperty("summary", out _), $"{method} {path} has no summary");
            Assert.Contains("admin_key", operation.GetProperty("security").GetRawText(), StringComparison.Ordinal);
            Assert.True(operation.GetProperty("responses").EnumerateObject().Any(), $"{method} {path} has no responses");
        }

        // The schemas are the source-generated contracts, in snake_case: a request and a response resolved.
        string createKey = Resolve(root, paths.GetProperty("/admin/keys").GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema")).GetRawText();
        Assert.Contains("\"expires_at\"", createKey, StringComparison.Ordinal);
        string tenants = Resolve(root, paths.GetProperty("/admin/tenants").GetProperty("post").GetProperty("responses").GetProperty("201").GetProperty("content").GetProperty("application/json").GetProperty("schema")).GetRawText();
        Assert.Contains("\"balance_micros\"", tenants, StringComparison.Ordinal);
        Assert.True(paths.TryGetProperty("/v1/payments/stripe/webhook", out _));
        Assert.False(paths.TryGetProperty("/v1/chat/completions", out _));
    }

    [Fact]
    public async Task ReferencePage_ServesScalarFromThisServer_UnderItsOwnPolicy_AndTheConsoleKeepsItsOwn()
    {
        using var page = await Server.Http.GetAsync("scalar/v1");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        string html = await page.Content.ReadAsStringAsync();
        string policy = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self' 'sha256-", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src 'self' 'unsafe-inline'", policy, StringComparison.Ordinal);

        var sources = Regex.Matches(html, "<script[^>]*\\ssrc=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(sources);
        foreach (string source in sources)
        {
            var url = new Uri(new Uri(Server.Url, "scalar/v1"), source);
            Assert.Equal(Server.Url.Authority, url.Authority);
            using var script = await Server.Http.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
            Assert.Contains("javascript", script.Content.Headers.ContentType!.MediaType!, StringComparison.Ordinal);
        }

        using var console = await Server.Http.GetAsync("console/login");
        Assert.Contains("script-src 'none'", string.Join(";", console.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
    }

    private static JsonElement Resolve(JsonElement root, JsonElement schema)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            string name = reference.GetString()!["#/components/schemas/".Length..];
            return root.GetProperty("components").GetProperty("schemas").GetProperty(name);
        }

        return schema;
    }
}
