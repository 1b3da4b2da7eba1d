using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Warden.Server.Payments;

/// <summary>
/// Stripe Checkout over plain HTTP (no SDK): an order becomes a Checkout Session in payment mode
/// (<c>POST /v1/checkout/sessions</c>, form-encoded, https://docs.stripe.com/api/checkout/sessions/create) carrying the
/// order id as <c>client_reference_id</c>; the webhook's <c>checkout.session.completed</c> event with
/// <c>payment_status</c> <c>paid</c> credits it (https://docs.stripe.com/checkout/fulfillment).
/// </summary>
internal sealed class StripeCheckoutProvider(StripeOptions options, HttpClient http, TimeProvider time) : IPaymentProvider
{
    public const string ProviderName = "stripe";

    public string Name => ProviderName;

    public string Currency => options.Currency;

    public string ProviderCurrency => options.Currency.ToLowerInvariant();

    public long MicrosPerMinorUnit => options.MicrosPerMinorUnit;

    public async Task<CheckoutResult> CreateCheckoutAsync(PaymentOrder order, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.BaseUrl, "v1/checkout/sessions"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        // A retried create (a timeout, say) returns the same session instead of a second one.
        request.Headers.Add("Idempotency-Key", "warden-" + order.Id);
        request.Content = new FormUrlEncodedContent(
        [
            new("mode", "payment"),
            new("client_reference_id", order.Id),
            new("metadata[warden_order]", order.Id),
            new("line_items[0][quantity]", "1"),
            new("line_items[0][price_data][currency]", order.ProviderCurrency),
            new("line_items[0][price_data][unit_amount]", order.AmountMinor.ToString(CultureInfo.InvariantCulture)),
            new("line_items[0][price_data][product_data][name]", "Warden credit"),
            new("success_url", options.SuccessUrl),
            new("cancel_url", options.CancelUrl),
        ]);

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return CheckoutResult.Failed($"Stripe refused to create the Checkout Session (HTTP {(int)response.StatusCode}).");
            }

            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), default, cancellationToken);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("url", out var url) || url.ValueKind != JsonValueKind.String)
            {
                return CheckoutResult.Failed("Stripe's answer had no session id and URL.");
            }

            return new CheckoutResult(id.GetString(), url.GetString(), null, null);
        }
        catch (HttpRequestException)
        {
            return CheckoutResult.Failed("Stripe could not be reached.");
        }
        catch (JsonException)
        {
            return CheckoutResult.Failed("Stripe's answer was not JSON.");
        }
    }

    public PaymentVerdict Verify(PaymentNotification notification)
    {
        notification.Headers.TryGetValue("Stripe-Signature", out string? header);
        if (StripeSignature.Problem(header, notification.Body, options.WebhookSecret, time.GetUtcNow(), options.Tolerance) is { } problem)
        {
            return PaymentVerdict.Rejected(problem);
        }

        // Signed by Stripe from here on; still read defensively (a signed event of a shape we do not know is ignored).
        try
        {
            using var document = JsonDocument.Parse(notification.Body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return PaymentVerdict.Rejected("event is not a JSON object");
            }

            string? type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            string? eventId = root.TryGetProperty("id", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            if (type is not ("checkout.session.completed" or "checkout.session.async_payment_succeeded"))
            {
                return PaymentVerdict.Ignored("event type not handled");
            }

            if (eventId is null
                || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object || !data.TryGetProperty("object", out var session)
                || session.ValueKind != JsonValueKind.Object)
            {
                return PaymentVerdict.Rejected("event without id or session");
            }

            if (!session.TryGetProperty("payment_status", out var status) || status.ValueKind != JsonValueKind.String || status.GetString() != "paid")
            {
                // An asynchronous method (a bank debit) completes the session unpaid; its later success event credits it.
                return PaymentVerdict.Ignored("session not paid");
            }

            string? orderId = session.TryGetProperty("client_reference_id", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            string? sessionId = session.TryGetProperty("id", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            string? currency = session.TryGetProperty("currency", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            if (orderId is null || sessionId is null || currency is null
                || !session.TryGetProperty("amount_total", out var amount) || amount.ValueKind != JsonValueKind.Number || !amount.TryGetInt64(out long minor))
            {
                return PaymentVerdict.Rejected("session without order, amount or currency");
            }

            return new PaymentVerdict(PaymentVerdictKind.Paid, "paid", orderId, eventId, sessionId, minor, currency.ToLowerInvariant());
        }
        catch (JsonException)
        {
            return PaymentVerdict.Rejected("body is not JSON");
        }
    }
}
