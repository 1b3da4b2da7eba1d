using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Warden.Server.Tests.Payments;

/// <summary>
/// Stripe's Checkout Session endpoint on 127.0.0.1: records each create request (its form and headers) and answers
/// with a session id and URL the way Stripe does (https://docs.stripe.com/api/checkout/sessions/object).
/// </summary>
internal sealed class FakeStripe : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _sessions;

    private FakeStripe(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>Every create request: its form fields, its Authorization header and its Idempotency-Key.</summary>
    public ConcurrentQueue<(Dictionary<string, string> Form, string Authorization, string IdempotencyKey, string SessionId)> Created { get; } = new();

    /// <summary>When set, every create answers with this status and a Stripe error body.</summary>
    public int? FailWith { get; set; }

    public static async Task<FakeStripe> StartAsync()
    {
        FakeStripe? self = null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/v1/checkout/sessions", (HttpContext context) => self!.CreateAsync(context));
        await app.StartAsync();
        self = new FakeStripe(app, new Uri(app.Urls.Single().TrimEnd('/') + "/"));
        return self;
    }

    private async Task CreateAsync(HttpContext context)
    {
        if (FailWith is { } status)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"error":{"type":"invalid_request_error","message":"refused"}}""");
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        string sessionId = $"cs_test_{Interlocked.Increment(ref _sessions)}";
        Created.Enqueue((
            form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal),
            context.Request.Headers.Authorization.ToString(),
            context.Request.Headers["Idempotency-Key"].ToString(),
            sessionId));
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$"""{"id":"{{sessionId}}","object":"checkout.session","url":"https://checkout.stripe.test/c/pay/{{sessionId}}"}""");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
