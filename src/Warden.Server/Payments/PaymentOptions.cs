namespace Warden.Server.Payments;

/// <summary>
/// The payment providers a server accepts top-ups through; a provider left null is off (its webhook answers 404 and no
/// order can be created with it). Secrets come from the environment (<see cref="FromEnvironment"/>), never from the
/// command line, and are never logged.
/// </summary>
internal sealed record PaymentOptions
{
    public const string StripeApiKeyVariable = "WARDEN_STRIPE_API_KEY";
    public const string StripeWebhookSecretVariable = "WARDEN_STRIPE_WEBHOOK_SECRET";
    public const string StripeBaseUrlVariable = "WARDEN_STRIPE_BASE_URL";
    public const string StripeCurrencyVariable = "WARDEN_STRIPE_CURRENCY";
    public const string StripeSuccessUrlVariable = "WARDEN_STRIPE_SUCCESS_URL";
    public const string AlipayAppIdVariable = "WARDEN_ALIPAY_APP_ID";
    public const string AlipayPrivateKeyVariable = "WARDEN_ALIPAY_PRIVATE_KEY";
    public const string AlipayPublicKeyVariable = "WARDEN_ALIPAY_PUBLIC_KEY";
    public const string AlipayGatewayVariable = "WARDEN_ALIPAY_GATEWAY";
    public const string AlipayNotifyUrlVariable = "WARDEN_ALIPAY_NOTIFY_URL";

    public StripeOptions? Stripe { get; init; }

    public AlipayOptions? Alipay { get; init; }

    /// <summary>
    /// Reads the providers from environment variables: Stripe needs its API key and webhook endpoint secret, Alipay its
    /// app id, the app's private key (PEM) and Alipay's public key (PEM). A provider with any of them missing is off.
    /// </summary>
    public static PaymentOptions FromEnvironment(Func<string, string?> read)
    {
        StripeOptions? stripe = null;
        if (read(StripeApiKeyVariable) is { Length: > 0 } apiKey && read(StripeWebhookSecretVariable) is { Length: > 0 } secret)
        {
            stripe = new StripeOptions { ApiKey = apiKey, WebhookSecret = secret };
            if (read(StripeBaseUrlVariable) is { Length: > 0 } baseUrl)
            {
                stripe = stripe with { BaseUrl = new Uri(baseUrl) };
            }

            if (read(StripeCurrencyVariable) is { Length: > 0 } currency)
            {
                stripe = stripe with { Currency = currency.ToUpperInvariant() };
            }

            if (read(StripeSuccessUrlVariable) is { Length: > 0 } successUrl)
            {
                stripe = stripe with { SuccessUrl = successUrl, CancelUrl = successUrl };
            }
        }

        AlipayOptions? alipay = null;
        if (read(AlipayAppIdVariable) is { Length: > 0 } appId
            && read(AlipayPrivateKeyVariable) is { Length: > 0 } privateKey
            && read(AlipayPublicKeyVariable) is { Length: > 0 } publicKey)
        {
            alipay = new AlipayOptions { AppId = appId, AppPrivateKeyPem = privateKey, AlipayPublicKeyPem = publicKey };
            if (read(AlipayGatewayVariable) is { Length: > 0 } gateway)
            {
                alipay = alipay with { GatewayUrl = gateway };
            }

            if (read(AlipayNotifyUrlVariable) is { Length: > 0 } notifyUrl)
            {
                alipay = alipay with { NotifyUrl = notifyUrl };
            }
        }

        return new PaymentOptions { Stripe = stripe, Alipay = alipay };
    }
}
