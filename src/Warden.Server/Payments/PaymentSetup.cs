namespace Warden.Server.Payments;

/// <summary>Registers the configured payment providers and the payment service.</summary>
internal static class PaymentSetup
{
    public const string HttpClientName = "payments";

    public static void AddPayments(IServiceCollection services, PaymentOptions options, Hosting.DataFolder data, TimeProvider time)
    {
        // Stripe's API only: no redirects, no proxy guessing, a bounded wait.
        services.AddHttpClient(HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(30))
            .RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(10) });
        services.AddSingleton(sp =>
        {
            List<IPaymentProvider> providers = [];
            if (options.Stripe is { } stripe)
            {
                providers.Add(new StripeCheckoutProvider(stripe, sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName), time));
            }

            if (options.Alipay is { } alipay)
            {
                providers.Add(new AlipayProvider(alipay, time));
            }

            return new PaymentService(
                providers, new PaymentStore(data.Database, data.Billing.Ledger, data.Billing.Tenants, time), data.Billing.Tenants, time,
                sp.GetRequiredService<ILogger<PaymentService>>());
        });
    }
}
