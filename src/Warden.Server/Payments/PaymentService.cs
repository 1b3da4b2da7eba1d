using Warden.Server.Billing;
using Warden.Server.Telemetry;

namespace Warden.Server.Payments;

/// <summary>
/// Top-up by payment: creates an order and its checkout for a tenant (asked by an operator through the admin API or
/// the console, or by a customer in their own pages), and turns a provider's notification into at most one credit.
/// Every notification is treated as hostile until its provider has verified it and it matches an open order exactly.
/// </summary>
internal sealed class PaymentService(IReadOnlyList<IPaymentProvider> providers, PaymentStore store, TenantStore tenants, TimeProvider time, ILogger<PaymentService> logger)
{
    public IReadOnlyList<IPaymentProvider> Providers => providers;

    public PaymentStore Orders => store;

    public IPaymentProvider? Provider(string name) => providers.FirstOrDefault(p => p.Name == name);

    /// <summary>
    /// Creates an order of <paramref name="amountMicros"/> for the tenant and its checkout with the provider;
    /// <paramref name="createdBy"/> names who asked: <c>admin:&lt;key id&gt;</c>, <c>console:&lt;user&gt;</c> or a customer account.
    /// </summary>
    public async Task<(PaymentOrder? Order, CheckoutResult? Checkout, string? Problem)> CreateAsync(
        string tenantIdOrName, string providerName, long amountMicros, string createdBy, CancellationToken cancellationToken)
    {
        if (Provider(providerName) is not { } provider)
        {
            return (null, null, $"No payment provider '{providerName}' is configured (configured: {(providers.Count == 0 ? "none" : string.Join(", ", providers.Select(p => p.Name)))}).");
        }

        if (tenants.Find(tenantIdOrName) is not { } tenant)
        {
            return (null, null, $"No tenant with id or name '{tenantIdOrName}'.");
        }

        if (tenant.Currency != provider.Currency)
        {
            return (null, null, $"Tenant '{tenant.Name}' is billed in {tenant.Currency}; {provider.Name} credits {provider.Currency}.");
        }

        if (amountMicros <= 0 || Money.AmountProblem(amountMicros, "A payment amount") is not null)
        {
            return (null, null, Money.AmountProblem(amountMicros, "A payment amount") ?? "A payment amount must be positive.");
        }

        if (amountMicros % provider.MicrosPerMinorUnit != 0)
        {
            return (null, null, $"A {provider.Name} payment must be a whole number of minor units ({provider.MicrosPerMinorUnit} micros each).");
        }

        var now = time.GetUtcNow();
        var order = new PaymentOrder(
            "pay_" + Guid.CreateVersion7(now).ToString("N"), tenant.Id, provider.Name, amountMicros, tenant.Currency, provider.ProviderCurrency,
            amountMicros / provider.MicrosPerMinorUnit, null, PaymentOrderState.Created, createdBy, now, now, null);
        store.Insert(order);
        var checkout = await provider.CreateCheckoutAsync(order, cancellationToken);
        store.Checkout(order.Id, checkout.ProviderReference, failed: checkout.Problem is not null);
        if (checkout.Problem is { } problem)
        {
            Log.PaymentCheckoutFailed(logger, provider.Name, order.Id);
            return (store.Find(order.Id), checkout, problem);
        }

        Log.PaymentOrderCreated(logger, provider.Name, order.Id, tenant.Id, amountMicros);
        return (store.Find(order.Id), checkout, null);
    }

    /// <summary>Verifies a notification with its provider and credits the order it names, at most once.</summary>
    public PaymentOutcome Handle(IPaymentProvider provider, PaymentNotification notification)
    {
        var verdict = provider.Verify(notification);
        var outcome = verdict.Kind switch
        {
            PaymentVerdictKind.Rejected => new PaymentOutcome(PaymentOutcomeKind.Rejected, verdict.Reason),
            PaymentVerdictKind.Ignored => new PaymentOutcome(PaymentOutcomeKind.Ignored, verdict.Reason),
            _ => store.Credit(provider.Name, verdict),
        };
        switch (outcome.Kind)
        {
            case PaymentOutcomeKind.Credited:
                Log.PaymentCredited(logger, provider.Name, outcome.OrderId!);
                break;
            case PaymentOutcomeKind.AlreadyCredited:
                Log.PaymentReplayed(logger, provider.Name, outcome.OrderId!);
                break;
            case PaymentOutcomeKind.Ignored:
                Log.PaymentIgnored(logger, provider.Name, outcome.Reason);
                break;
            default:
                Log.PaymentRefused(logger, provider.Name, outcome.Reason);
                break;
        }

        return outcome;
    }
}
