namespace Warden.Server.Billing;

/// <summary>A refusal for the client: its kind, the HTTP status, a clear message and, for 429, the Retry-After seconds.</summary>
internal sealed record BillingRefusal(BillingRefusalKind Kind, string Message, long? RetryAfterSeconds = null)
{
    public int StatusCode => Kind switch
    {
        BillingRefusalKind.RateLimited => 429,
        BillingRefusalKind.NotPriced => 403,
        _ => 402,
    };

    /// <summary>The error code to put in the client's error body.</summary>
    public string Code => Kind switch
    {
        BillingRefusalKind.InsufficientCredit => "insufficient_credit",
        BillingRefusalKind.BudgetExceeded => "budget_exceeded",
        BillingRefusalKind.RateLimited => "rate_limit_exceeded",
        _ => "model_not_priced",
    };
}
