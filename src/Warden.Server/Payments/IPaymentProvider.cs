namespace Warden.Server.Payments;

/// <summary>
/// A payment provider: creates a checkout for an order and verifies and reads its notifications. The seam every
/// provider passes; crediting, idempotency and the order checks live once, in <see cref="PaymentService"/>.
/// </summary>
internal interface IPaymentProvider
{
    /// <summary>The provider's name in routes, orders and ledger references: <c>stripe</c>, <c>alipay</c>.</summary>
    string Name { get; }

    /// <summary>The ledger currency this provider credits.</summary>
    string Currency { get; }

    /// <summary>The provider's code for that currency, as its notifications report it.</summary>
    string ProviderCurrency { get; }

    /// <summary>Micros of <see cref="Currency"/> per minor unit at the provider.</summary>
    long MicrosPerMinorUnit { get; }

    Task<CheckoutResult> CreateCheckoutAsync(PaymentOrder order, CancellationToken cancellationToken);

    /// <summary>Checks the notification's signature (and freshness, where the provider signs a time) and reads it.</summary>
    PaymentVerdict Verify(PaymentNotification notification);
}
