namespace Warden.Server.Payments;

/// <summary>
/// An order Warden created with a payment provider for a tenant. <c>AmountMicros</c> is what the tenant is credited,
/// <c>AmountMinor</c> the same amount in the provider's currency minor units (cents, fen), which a notification must
/// report exactly.
/// </summary>
internal sealed record PaymentOrder(
    string Id,
    string TenantId,
    string Provider,
    long AmountMicros,
    string Currency,
    string ProviderCurrency,
    long AmountMinor,
    string? ProviderReference,
    string State,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CreditedAt);
