using Warden.Server.Payments;
using Warden.Server.Trust;

namespace Warden.Server.Endpoints;

/// <summary>
/// Top-up by payment over HTTP: the providers' notification endpoints (no key: the signature is the authentication)
/// and the admin routes that create and list orders. A provider that is not configured has no endpoint (404).
/// </summary>
internal static class PaymentEndpoints
{
    /// <summary>Larger than any real notification (Stripe's events are a few KB); a bigger body is not read.</summary>
    public const int MaxNotificationBytes = 256 * 1024;

    public static void MapWebhooks(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/payments/stripe/webhook", StripeWebhookAsync);
        app.MapPost("/v1/payments/alipay/notify", AlipayNotifyAsync);
    }

    public static void MapAdmin(RouteGroupBuilder admin)
    {
        admin.MapPost("/payments", CreateAsync);
        admin.MapGet("/payments", (PaymentService payments, string? tenant) =>
            Results.Json(payments.Orders.List(tenant, 500).Select(ToView).ToList(), PaymentJsonContext.Default.ListPaymentOrderView));
    }

    private static async Task StripeWebhookAsync(HttpContext context, PaymentService payments)
    {
        if (payments.Provider(StripeCheckoutProvider.ProviderName) is not { } provider)
        {
            await AdminEndpoints.Error(context, StatusCodes.Status404NotFound, "Stripe payments are not configured on this server.", "unknown_url");
            return;
        }

        if (await ReadAsync(context) is not { } notification)
        {
            return;
        }

        var outcome = payments.Handle(provider, notification);
        if (outcome.Kind == PaymentOutcomeKind.Rejected)
        {
            // Stripe retries a 4xx; a forged or stale delivery keeps failing, and credits nothing.
            await AdminEndpoints.Error(context, StatusCodes.Status400BadRequest, "The notification was refused: " + outcome.Reason + ".", "invalid_notification");
            return;
        }

        await context.Response.WriteAsJsonAsync(new WebhookAnswer(true), PaymentJsonContext.Default.WebhookAnswer);
    }

    private static async Task AlipayNotifyAsync(HttpContext context, PaymentService payments)
    {
        if (payments.Provider(AlipayProvider.ProviderName) is not { } provider)
        {
            await AdminEndpoints.Error(context, StatusCodes.Status404NotFound, "Alipay payments are not configured on this server.", "unknown_url");
            return;
        }

        if (await ReadAsync(context) is not { } notification)
        {
            return;
        }

        // Alipay reads the literal body: "success" stops its retries, anything else (here "fail") makes it retry.
        var outcome = payments.Handle(provider, notification);
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(outcome.Kind == PaymentOutcomeKind.Rejected ? "fail" : "success");
    }

    private static async Task<PaymentNotification?> ReadAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxNotificationBytes)
        {
            await AdminEndpoints.Error(context, StatusCodes.Status413PayloadTooLarge, "The notification is larger than any payment provider sends.", "request_too_large");
            return null;
        }

        using var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxNotificationBytes)
            {
                await AdminEndpoints.Error(context, StatusCodes.Status413PayloadTooLarge, "The notification is larger than any payment provider sends.", "request_too_large");
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        Dictionary<string, string> headers = new(StringComparer.OrdinalIgnoreCase);
        if (context.Request.Headers.TryGetValue("Stripe-Signature", out var signature))
        {
            headers["Stripe-Signature"] = signature.ToString();
        }

        return new PaymentNotification(buffer.ToArray(), context.Request.ContentType, headers);
    }

    private static async Task CreateAsync(HttpContext context, PaymentService payments)
    {
        if (await AdminEndpoints.ReadAsync(context, PaymentJsonContext.Default.CreatePaymentRequest) is not { } request)
        {
            return;
        }

        if (request.AmountMicros is not { } amount)
        {
            await AdminEndpoints.Error(context, StatusCodes.Status400BadRequest, "'amount_micros' (integer micro-units) is required.", "missing_field", "amount_micros");
            return;
        }

        var (order, checkout, problem) = await payments.CreateAsync(
            request.Tenant ?? "", request.Provider ?? "", amount, ConfigActor.Current ?? "admin", context.RequestAborted);
        if (problem is not null)
        {
            int status = order is null ? StatusCodes.Status400BadRequest : StatusCodes.Status502BadGateway;
            await AdminEndpoints.Error(context, status, problem, order is null ? "invalid_payment" : "checkout_failed");
            return;
        }

        context.Response.StatusCode = StatusCodes.Status201Created;
        await context.Response.WriteAsJsonAsync(new CreatedPaymentView(ToView(order!), checkout!.Url, checkout.Parameters), PaymentJsonContext.Default.CreatedPaymentView);
    }

    internal static PaymentOrderView ToView(PaymentOrder o) => new(
        o.Id, o.TenantId, o.Provider, o.AmountMicros, o.Currency, o.ProviderCurrency, o.AmountMinor, o.ProviderReference, o.State, o.CreatedBy, o.CreatedAt, o.CreditedAt);
}
