using Warden.Core.Chat;
using Warden.Server.Keys;

namespace Warden.Server.Billing;

/// <summary>
/// The two calls the request pipeline makes. Before forwarding, <see cref="ReserveAsync(ClientKey, string, Func{long}, long, string)"/> applies the rate limits
/// and holds the worst case (estimated input plus max output at the dearest rates of the model's price, times the
/// tenant multiplier); after the call, <see cref="SettleAsync"/> bills the upstream-reported usage at the same price
/// version and refunds the rest, once per request id. A key that belongs to no tenant is rate-limited but not metered.
/// The key's tenant, the limits, the price and whether the key has its own account come from one
/// <see cref="BillingSnapshot"/> in memory; only the hold itself (the ledger write) goes to SQLite.
/// </summary>
internal sealed class BillingGate(BillingCatalog catalog, Ledger ledger, IRateLimiter limiter, TimeProvider time)
{
    public Task<ReserveOutcome> ReserveAsync(ClientKey key, string model, long estimatedInputTokens, long maxOutputTokens, string requestId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(estimatedInputTokens);
        return ReserveAsync(key, model, () => estimatedInputTokens, maxOutputTokens, requestId);
    }

    /// <summary>
    /// <see cref="ReserveAsync(ClientKey, string, long, long, string)"/> with the input estimate computed only when this
    /// key's limits or hold use it (a token rate limit, or a tenant to bill): it reads the whole request body.
    /// </summary>
    public Task<ReserveOutcome> ReserveAsync(ClientKey key, string model, Func<long> estimateInputTokens, long maxOutputTokens, string requestId)
    {
        ArgumentNullException.ThrowIfNull(estimateInputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(maxOutputTokens);
        var snapshot = catalog.Current;
        var tenant = snapshot.TenantOfKey(key.Id);
        var limits = snapshot.LimitsFor(tenant?.Id, key.Id);
        long estimatedInputTokens = tenant is not null || HasTokenLimit(limits) ? estimateInputTokens() : 0;
        var decision = limiter.TryAcquire(limits, checked(estimatedInputTokens + maxOutputTokens));
        if (decision.Lease is not { } lease)
        {
            return Refuse(new BillingRefusal(BillingRefusalKind.RateLimited,
                $"Rate limit reached: {decision.Problem}. Retry after {decision.RetryAfterSeconds} s.", decision.RetryAfterSeconds));
        }

        // The lease is the request's from here only once a reservation carries it: every other way out (a refusal, an
        // exception from the ledger) frees its concurrency slots and tokens at once (issue 18: an overflowing worst case
        // used to leak the slot, locking the tenant's keys out until restart).
        ReserveOutcome? outcome = null;
        try
        {
            outcome = Hold(key, model, estimatedInputTokens, maxOutputTokens, requestId, snapshot, tenant, lease);
            return Task.FromResult(outcome);
        }
        finally
        {
            if (outcome?.Reservation is null)
            {
                lease.Complete(0);
            }
        }
    }

    private ReserveOutcome Hold(ClientKey key, string model, long estimatedInputTokens, long maxOutputTokens, string requestId,
        BillingSnapshot snapshot, Tenant? tenant, RateLimitLease lease)
    {
        if (tenant is null)
        {
            return new ReserveOutcome(new Reservation(requestId, key.Id, null, null, model, null, 0, lease), null);
        }

        if (snapshot.PriceAt(model, tenant.Currency, time.GetUtcNow()) is not { } price)
        {
            return new ReserveOutcome(null, new BillingRefusal(BillingRefusalKind.NotPriced,
                $"The model '{model}' has no price in {tenant.Currency}, so it cannot be billed; ask the operator to set one."));
        }

        if (!PriceCalculator.TryWorstCase(price, estimatedInputTokens, maxOutputTokens, tenant.MultiplierPpm, out long worstCase))
        {
            return new ReserveOutcome(null, new BillingRefusal(BillingRefusalKind.InsufficientCredit,
                "The most this request could cost is more than any balance can hold; ask for fewer output tokens."));
        }

        string account = snapshot.HasKeyAccount(key.Id) ? LedgerAccounts.Key(key.Id) : tenant.AccountId;
        var result = ledger.Reserve(new HoldRequest(requestId, account, tenant.Id, key.Id, model, price.Version, worstCase));
        if (!result.Succeeded)
        {
            return new ReserveOutcome(null, new BillingRefusal(
                result.Status == ReserveStatus.BudgetExceeded ? BillingRefusalKind.BudgetExceeded : BillingRefusalKind.InsufficientCredit,
                result.Message ?? "Insufficient credit."));
        }

        return new ReserveOutcome(
            new Reservation(requestId, key.Id, tenant, account, model, price, worstCase, lease)
            {
                HoldInputTokens = estimatedInputTokens,
                HoldOutputTokens = maxOutputTokens,
            },
            null);
    }

    /// <summary>
    /// Before a declared fallback model is tried: moves the reservation to that model's price (the one it will be
    /// billed at, since it is what serves) and raises the hold to the fallback's worst case for the same tokens when
    /// that is dearer, so the hold stays an upper bound. Refused, taking nothing, when the model has no price in the
    /// tenant's currency or the balance or a budget cannot cover the difference. An unmetered reservation is unchanged.
    /// </summary>
    public Task<ReserveOutcome> MoveToFallbackAsync(Reservation reservation, string model)
    {
        if (!reservation.IsMetered || string.Equals(reservation.Model, model, StringComparison.Ordinal))
        {
            return Task.FromResult(new ReserveOutcome(reservation, null));
        }

        var tenant = reservation.Tenant!;
        if (catalog.Current.PriceAt(model, tenant.Currency, time.GetUtcNow()) is not { } price)
        {
            return Refuse(new BillingRefusal(BillingRefusalKind.NotPriced,
                $"The fallback model '{model}' has no price in {tenant.Currency}, so it cannot be billed; ask the operator to set one."));
        }

        if (!PriceCalculator.TryWorstCase(price, reservation.HoldInputTokens, reservation.HoldOutputTokens, tenant.MultiplierPpm, out long worstCase))
        {
            return Refuse(new BillingRefusal(BillingRefusalKind.InsufficientCredit,
                $"Insufficient credit: the worst case of this request at the price of '{model}' is beyond any balance."));
        }

        long amount = Math.Max(worstCase, reservation.ReservedMicros);
        var result = ledger.MoveReservation(reservation.RequestId, model, price.Version, amount);
        if (!result.Succeeded)
        {
            return Refuse(new BillingRefusal(
                result.Status == ReserveStatus.BudgetExceeded ? BillingRefusalKind.BudgetExceeded : BillingRefusalKind.InsufficientCredit,
                result.Message ?? "Insufficient credit."));
        }

        return Task.FromResult(new ReserveOutcome(reservation with { Model = model, Price = price, ReservedMicros = amount }, null));
    }

    /// <summary>
    /// Admits a request that costs nothing and uses no tokens (token counting) against the key's and tenant's request
    /// rate and concurrency limits: an unmetered reservation whose settlement only frees its slot.
    /// </summary>
    public ReserveOutcome AdmitUnmetered(ClientKey key, string model, string requestId)
    {
        var snapshot = catalog.Current;
        var limits = snapshot.LimitsFor(snapshot.TenantOfKey(key.Id)?.Id, key.Id);
        var decision = limiter.TryAcquire(limits, 0);
        return decision.Lease is { } lease
            ? new ReserveOutcome(new Reservation(requestId, key.Id, null, null, model, null, 0, lease), null)
            : new ReserveOutcome(null, new BillingRefusal(BillingRefusalKind.RateLimited,
                $"Rate limit reached: {decision.Problem}. Retry after {decision.RetryAfterSeconds} s.", decision.RetryAfterSeconds));
    }

    private static bool HasTokenLimit(IReadOnlyList<RateLimits> limits)
    {
        foreach (var limit in limits)
        {
            if (limit.TokensPerMinute is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Bills the usage (canonical semantics) at the reservation's price version and returns the settled cost; a
    /// retried call returns the first settlement and bills nothing more. Usage.NotReported costs 0 and is recorded
    /// as not reported; estimated usage is recorded as estimated with <paramref name="estimateMethod"/>.
    /// </summary>
    /// <returns>The settlement, or null for an unmetered reservation.</returns>
    public Task<SettlementResult?> SettleAsync(Reservation reservation, Warden.Core.Chat.Usage usage, string? estimateMethod = null)
    {
        // Saturated, not checked: the lease is freed first whatever the upstream reported (an absurd count that makes
        // the cost overflow must not also keep the tenant's concurrency slot, issue 18). Usage not reported means no
        // answer was produced (a committed answer is settled with an estimate): nothing was consumed, so the whole take
        // goes back; keeping it left a failed request's max output as a debt that held the key or tenant back for minutes.
        long used = (long)Int128.Clamp((Int128)(usage.InputTokens ?? 0) + (usage.OutputTokens ?? 0), 0, long.MaxValue);
        reservation.Lease.Complete(usage.Source == UsageSource.NotReported ? 0 : used);
        if (!reservation.IsMetered)
        {
            return Task.FromResult<SettlementResult?>(null);
        }

        var cost = PriceCalculator.Cost(reservation.Price!, usage, reservation.Tenant!.MultiplierPpm, estimateMethod);
        var settled = ledger.Settle(reservation.RequestId, cost, usage)
            ?? throw new InvalidOperationException($"Request {reservation.RequestId} has no reservation to settle.");
        return Task.FromResult<SettlementResult?>(settled);
    }

    private static Task<ReserveOutcome> Refuse(BillingRefusal refusal) => Task.FromResult(new ReserveOutcome(null, refusal));
}
