using System.Text.Json.Serialization;

namespace Warden.Server.Endpoints;

internal sealed record CreatePaymentRequest(string? Tenant, string? Provider, long? AmountMicros);

internal sealed record PaymentOrderView(string Id, string TenantId, string Provider, long AmountMicros, string Currency, string ProviderCurrency, long AmountMinor,
    string? ProviderReference, string State, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? CreditedAt);

/// <summary>A new order and where to pay it: a checkout URL (Stripe), or the gateway and the signed parameters to post to it (Alipay).</summary>
internal sealed record CreatedPaymentView(PaymentOrderView Order, string? CheckoutUrl, IReadOnlyDictionary<string, string>? Parameters);

internal sealed record WebhookAnswer(bool Received);

/// <summary>Source-generated JSON of the payment routes, in snake_case like the rest of the admin API.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CreatePaymentRequest))]
[JsonSerializable(typeof(PaymentOrderView))]
[JsonSerializable(typeof(List<PaymentOrderView>))]
[JsonSerializable(typeof(CreatedPaymentView))]
[JsonSerializable(typeof(WebhookAnswer))]
internal sealed partial class PaymentJsonContext : JsonSerializerContext;
