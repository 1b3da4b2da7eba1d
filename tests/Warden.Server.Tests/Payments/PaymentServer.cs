using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Warden.Server.Billing;
using Warden.Server.Payments;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Payments;

/// <summary>
/// A real Warden with both payment providers configured: Stripe pointed at <see cref="FakeStripe"/> on 127.0.0.1,
/// Alipay with two RSA key pairs made here (the app's, whose private key Warden signs orders with, and "Alipay's",
/// whose private key this test signs notifications with), on a clock the tests set. Two tenants: one in USD for
/// Stripe, one in CNY for Alipay.
/// </summary>
public sealed class PaymentServer : IAsyncLifetime
{
    public const string StripeApiKey = "sk_test_warden_payments_api_key_0123456789";
    public const string StripeSecret = "whsec_test_warden_payments_endpoint_secret";
    public const string AlipayAppId = "2021000000000001";

    internal SettableClock Clock { get; } = new(TimeProvider.System.GetUtcNow());

    internal FakeStripe Stripe { get; private set; } = null!;

    internal WardenTestServer Server { get; private set; } = null!;

    internal RSA AppKey { get; } = RSA.Create(2048);

    internal RSA AlipayKey { get; } = RSA.Create(2048);

    internal Tenant UsdTenant { get; private set; } = null!;

    internal Tenant CnyTenant { get; private set; } = null!;

    internal BillingServices Billing => Server.App.Data.Billing;

    public async Task InitializeAsync()
    {
        Stripe = await FakeStripe.StartAsync();
        var payments = new PaymentOptions
        {
            Stripe = new StripeOptions { ApiKey = StripeApiKey, WebhookSecret = StripeSecret, BaseUrl = Stripe.Url },
            Alipay = new AlipayOptions
            {
                AppId = AlipayAppId,
                AppPrivateKeyPem = AppKey.ExportPkcs8PrivateKeyPem(),
                AlipayPublicKeyPem = AlipayKey.ExportSubjectPublicKeyInfoPem(),
                NotifyUrl = "https://relay.example/v1/payments/alipay/notify",
            },
        };
        Server = await WardenTestServer.StartAsync(o => o with { Time = Clock, Payments = payments });
        UsdTenant = Billing.Tenants.Add("pay-usd", "USD").Tenant!;
        CnyTenant = Billing.Tenants.Add("pay-cny", "CNY").Tenant!;
    }

    internal long Balance(Tenant tenant) => Billing.Ledger.Balance(tenant.AccountId) ?? 0;

    public Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, string? json)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Server.AdminKey);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return Server.Http.SendAsync(request);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Stripe.DisposeAsync();
        AppKey.Dispose();
        AlipayKey.Dispose();
    }
}
