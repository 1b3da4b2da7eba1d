namespace Warden.Server.Payments;

/// <summary>Stripe Checkout: the API key that creates Checkout Sessions and the webhook endpoint's signing secret.</summary>
internal sealed record StripeOptions
{
    public required string ApiKey { get; init; }

    /// <summary>The endpoint secret (<c>whsec_…</c>) the <c>Stripe-Signature</c> HMAC is keyed with.</summary>
    public required string WebhookSecret { get; init; }

    /// <summary>Stripe's API; tests point it at a local server.</summary>
    public Uri BaseUrl { get; init; } = new("https://api.stripe.com/");

    /// <summary>The ledger currency credited; only tenants in this currency can pay through Stripe.</summary>
    public string Currency { get; init; } = "USD";

    /// <summary>Micros per minor unit of <see cref="Currency"/> at Stripe (a cent = 10 000 micros of a dollar).</summary>
    public long MicrosPerMinorUnit { get; init; } = 10_000;

    /// <summary>How far a signature's timestamp may be from now (Stripe's libraries default to 300 s).</summary>
    public TimeSpan Tolerance { get; init; } = TimeSpan.FromSeconds(300);

    public string SuccessUrl { get; init; } = "https://example.invalid/paid";

    public string CancelUrl { get; init; } = "https://example.invalid/cancelled";
}
