using System.Text.Json;
using Warden.Server.Hosting;

namespace Warden.Server.Endpoints;

/// <summary>
/// Probes for load balancers and Kubernetes, with no key and no sensitive data: <c>/healthz</c> (the process answers:
/// liveness) and <c>/readyz</c> (it should get traffic: readiness, <see cref="Readiness"/>). Both answer GET and HEAD;
/// a failing readiness is a 503 with Retry-After and a JSON body naming the failing checks.
/// </summary>
internal static class HealthEndpoints
{
    /// <summary>How long a prober is asked to wait before asking again after a 503.</summary>
    public const int RetryAfterSeconds = 5;

    public static void Map(WebApplication app)
    {
        app.MapMethods("/healthz", ["GET", "HEAD"], Healthz);
        app.MapMethods("/readyz", ["GET", "HEAD"], (HttpContext context, Readiness readiness) => Readyz(context, readiness));
    }

    private static Task Healthz(HttpContext context)
    {
        Prepare(context, StatusCodes.Status200OK);
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync("{\"status\":\"ok\"}");
    }

    private static async Task Readyz(HttpContext context, Readiness readiness)
    {
        var checks = readiness.Check();
        bool ready = checks.All(c => c.Ok);
        Prepare(context, ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        if (!ready)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteString("status"u8, !ready ? "unavailable" : checks.Any(c => c.Degraded) ? "degraded" : "ok");
            writer.WriteStartObject("checks"u8);
            foreach (var check in checks)
            {
                writer.WriteStartObject(check.Name);
                writer.WriteString("status"u8, !check.Ok ? "failing" : check.Degraded ? "degraded" : "ok");
                if (check.Problem is { } problem)
                {
                    writer.WriteString("problem"u8, problem);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteStartArray("failing"u8);
            foreach (var check in checks)
            {
                if (!check.Ok)
                {
                    writer.WriteStringValue(check.Name);
                }
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static void Prepare(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
    }
}
