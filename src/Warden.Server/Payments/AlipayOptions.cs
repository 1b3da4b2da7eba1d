namespace Warden.Server.Payments;

/// <summary>
/// An Alipay-style RSA2 provider: the app id, the app's private key that signs order requests and Alipay's public key
/// that asynchronous notifications are verified with.
/// </summary>
internal sealed record AlipayOptions
{
    public required string AppId { get; init; }

    /// <summary>The app's RSA private key, PEM (PKCS#1 or PKCS#8).</summary>
    public required string AppPrivateKeyPem { get; init; }

    /// <summary>Alipay's RSA public key, PEM (SubjectPublicKeyInfo or PKCS#1).</summary>
    public required string AlipayPublicKeyPem { get; init; }

    public string GatewayUrl { get; init; } = "https://openapi.alipay.com/gateway.do";

    /// <summary>Where Alipay posts its notifications: this server's <c>/v1/payments/alipay/notify</c> as the world reaches it.</summary>
    public string? NotifyUrl { get; init; }

    /// <summary>The ledger currency credited; only tenants in this currency can pay through Alipay.</summary>
    public string Currency { get; init; } = "CNY";

    /// <summary>Micros per fen (total_amount is in yuan with two decimals).</summary>
    public long MicrosPerMinorUnit { get; init; } = 10_000;
}
