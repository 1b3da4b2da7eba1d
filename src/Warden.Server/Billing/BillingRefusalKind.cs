namespace Warden.Server.Billing;

/// <summary>Why the billing gate refused a request before it was forwarded.</summary>
internal enum BillingRefusalKind
{
    /// <summary>The balance cannot cover the worst case (HTTP 402).</summary>
    InsufficientCredit,

    /// <summary>A tenant or key budget would be exceeded (HTTP 402).</summary>
    BudgetExceeded,

    /// <summary>A rate limit refused it (HTTP 429 with Retry-After).</summary>
    RateLimited,

    /// <summary>The model has no price in the tenant's currency, so it cannot be billed (HTTP 403).</summary>
    NotPriced,
}
