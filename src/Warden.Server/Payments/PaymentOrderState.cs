namespace Warden.Server.Payments;

/// <summary>The states of an order (the <c>state</c> column): created, then credited once a verified notification arrives.</summary>
internal static class PaymentOrderState
{
    public const string Created = "created";

    /// <summary>Reserved for a provider that reports payment before it can be credited; today crediting is immediate.</summary>
    public const string Paid = "paid";

    public const string Credited = "credited";

    /// <summary>The provider refused to create the checkout; nothing can credit the order.</summary>
    public const string Failed = "failed";
}
