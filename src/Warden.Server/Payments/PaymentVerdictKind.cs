namespace Warden.Server.Payments;

internal enum PaymentVerdictKind
{
    /// <summary>Genuine and reports a completed payment of an order: credit it (once).</summary>
    Paid,

    /// <summary>Genuine but reports nothing to credit (another event type, a payment still pending).</summary>
    Ignored,

    /// <summary>Not genuine, or not for this merchant: credit nothing.</summary>
    Rejected,
}
