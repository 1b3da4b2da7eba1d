namespace Warden.Server.Payments;

/// <summary>
/// What a provider made of a notification. <c>Reason</c> is Warden's own fixed text (never the notification's
/// content), safe to log. For a paid one: the order it names, the provider's event (or trade) id that makes it unique,
/// the provider's reference of the payment and the amount in minor units with its currency.
/// </summary>
internal sealed record PaymentVerdict(
    PaymentVerdictKind Kind,
    string Reason,
    string? OrderId = null,
    string? EventId = null,
    string? ProviderReference = null,
    long AmountMinor = 0,
    string? ProviderCurrency = null)
{
    public static PaymentVerdict Rejected(string reason) => new(PaymentVerdictKind.Rejected, reason);

    public static PaymentVerdict Ignored(string reason) => new(PaymentVerdictKind.Ignored, reason);
}
