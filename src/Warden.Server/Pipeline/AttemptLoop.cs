using Warden.Core.Canonical;
using Warden.Core.Dialects;
using Warden.Core.Providers;
using Warden.Core.Trust;
using Warden.Server.Billing;
using Warden.Server.Hosting;
using Warden.Server.Relay;
using Warden.Server.Residency;
using Warden.Server.Routing;
using Warden.Server.Telemetry;
using Warden.Server.Usage;

namespace Warden.Server.Pipeline;

/// <summary>
/// Forwards a routed request: picks upstream keys in the selector's order and tries them until one answers, then
/// reports the outcome to the health tracker. The rules live here and nowhere else:
/// <list type="bullet">
/// <item>Retry and fall back only before the commit point (an attempt that wrote anything to the client is final),
/// only when <see cref="UpstreamErrorPolicy"/> says the failure is retryable, at most
/// <see cref="WardenOptions.MaxAttempts"/> attempts and never starting one after <see cref="WardenOptions.RetryBudget"/>.</item>
/// <item>Keys of the requested model come first; a declared fallback model (the key's own opt-in list) only after
/// all of them, and its use is disclosed in the Warden-Fallback header and the receipt. A metered request is billed at
/// the price of the model that serves: before a fallback model is tried its hold moves to that model's price (raised
/// when dearer; a 402 when the balance cannot cover it, and a fallback model with no price is not tried).</item>
/// <item>A key whose circuit is open or which is cooling down after a 429 is skipped; a channel at its concurrency
/// bound, or Warden at its total bound, is skipped; when nothing is left the client gets a fast 429/503 with
/// Retry-After instead of a queue.</item>
/// </list>
/// </summary>
internal sealed class AttemptLoop(
    OpenAIChatRelay chatRelay,
    PassThroughRelay passThrough,
    TranslatingRelay translating,
    RouteSelector selector,
    UpstreamHealth health,
    ConcurrencyGate gate,
    BillingGate billing,
    TransferGuard transfers,
    WardenMetrics metrics,
    WardenOptions options,
    TimeProvider time,
    ILogger<AttemptLoop> logger)
{
    public async Task ForwardAsync(HttpContext context, RelayRequest request)
    {
        long started = time.GetTimestamp();
        UpstreamError? lastError = null;
        TimeSpan? availableIn = null;
        int emptyLegs = 0;
        bool allCooling = true;
        bool shed = false;
        int attempts = 0;
        ClientError? refusedAbroad = null;

        // Cache affinity only matters when there is a choice; computing it costs a pass over the body.
        string? affinityKey = request.Legs.Count > 1 || request.Legs[0].Targets.Length > 1
            ? AffinityKey.From(context.Request.Headers, request.Body.Span, request.Protocol.Dialect, request.Key!.Id, request.Facts!.Model)
            : null;
        foreach (var leg in request.Legs)
        {
            var plan = selector.Plan(leg.Candidates(), affinityKey, options.RoutingStrategy);
            if (plan.Order.Count == 0)
            {
                availableIn = Earliest(availableIn, plan.RetryAfter);
                emptyLegs++;
                foreach (var target in leg.Targets)
                {
                    allCooling &= health.Snapshot(leg.HealthKey(target)).State == "cooling";
                }

                continue;
            }

            if (leg.IsFallback && request.Reservation is { IsMetered: true } reservation && reservation.Model != leg.Model)
            {
                var moved = await billing.MoveToFallbackAsync(reservation, leg.Model);
                if (moved.Refusal is { Kind: BillingRefusalKind.NotPriced })
                {
                    // Never served unbilled: a fallback model with no price in the tenant's currency is not tried.
                    continue;
                }

                if (moved.Refusal is { } refusal)
                {
                    request.Status = refusal.StatusCode;
                    request.Outcome = UsageOutcome.RefusedBilling;
                    await request.Protocol.WriteErrorAsync(context,
                        new ClientError(refusal.StatusCode, ClientErrorKind.InsufficientCredit, refusal.Message, null, refusal.Code));
                    return;
                }

                request.Reservation = moved.Reservation;
            }

            foreach (int index in plan.Order)
            {
                if (attempts >= options.MaxAttempts || (attempts > 0 && time.GetElapsedTime(started) >= options.RetryBudget))
                {
                    await FailAsync(context, request, lastError, shed, availableIn, emptyLegs > 0 && allCooling);
                    return;
                }

                var target = leg.Targets[index];

                // Issue 20: the residency rule's personal-data check, before anything leaves home. A refused destination
                // is skipped (another channel at home may serve); a body that cannot be read is refused outright.
                var decision = transfers.Decide(request, target);
                if (decision.Refusal is { } refusal)
                {
                    if (decision.Final)
                    {
                        await RefuseAsync(context, request, refusal, UsageOutcome.ClientError);
                        return;
                    }

                    refusedAbroad ??= refusal;
                    continue;
                }

                string healthKey = leg.HealthKey(target);
                if (!health.TryBeginAttempt(healthKey))
                {
                    continue;
                }

                if (!gate.TryEnter(target.ChannelId, target.Tuned.MaxConcurrency ?? 0, out var lease))
                {
                    health.ReportAbandoned(healthKey);
                    shed = true;
                    continue;
                }

                attempts++;
                AttemptResult result;
                using (lease)
                {
                    result = await AttemptAsync(context, request, leg, target, healthKey, decision);
                }

                if (!result.Failed)
                {
                    return;
                }

                var error = result.Error!;
                lastError = error;
                Log.UpstreamFailed(logger, request.Id, target.ChannelName, error.Kind, error.UpstreamStatus);
                if (!UpstreamErrorPolicy.For(error.Kind).Retryable)
                {
                    await FailAsync(context, request, lastError, shed, availableIn, emptyLegs > 0 && allCooling);
                    return;
                }
            }
        }

        if (lastError is null && refusedAbroad is not null)
        {
            // Nothing was tried: every destination left was abroad and the rule refused this request there.
            await RefuseAsync(context, request, refusedAbroad, UsageOutcome.RefusedResidency);
            return;
        }

        await FailAsync(context, request, lastError, shed, availableIn, emptyLegs > 0 && allCooling);
    }

    /// <summary>One try of one key. Failed attempts leave no trace on the request except their entry in <see cref="RelayRequest.Attempts"/>.</summary>
    private async Task<AttemptResult> AttemptAsync(HttpContext context, RelayRequest request, RouteLeg leg, RouteTarget target, string healthKey, TransferDecision decision)
    {
        var tuning = target.Tuned;
        var firstByte = tuning.FirstByteTimeoutMs is { } firstMs ? TimeSpan.FromMilliseconds(firstMs) : options.FirstByteTimeout;
        var idle = tuning.IdleTimeoutMs is { } idleMs ? TimeSpan.FromMilliseconds(idleMs) : options.IdleTimeout;
        int changesBefore = request.Changes.Count;
        request.Target = target;
        request.Fallback = leg.IsFallback ? new ReceiptFallback(true, request.Facts!.Model, leg.Model) : ReceiptFallback.None;
        request.AttemptMasking = decision.Masking;
        if (decision.Transfer is { } transfer)
        {
            // Kept even if the attempt fails: what was sent did leave home. The receipt names it while the attempt stands.
            request.Transfer = transfer;
            request.Changes.AddRange(decision.Changes!);
        }

        // The attempt's span is the current activity while the relay sends: its traceparent goes upstream with the call.
        using var span = WardenTrace.StartAttempt(request.Protocol.Dialect, leg.Model, target, request.Attempts.Count + 1);
        using var attempt = new UpstreamAttempt(target, leg.Model, firstByte, idle, time, logger, request.Id, context.RequestAborted) { ModelChange = leg.ModelChange, MaxResponseBytes = options.MaxUpstreamResponseBytes, UsageGrace = options.UsageGrace };
        AttemptResult result;
        bool reported = false;
        try
        {
            result = await RelayFor(request, target).Invoke(context, request, attempt);
            reported = true;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException && attempt.TimedOut && request.CommittedTimestamp is null)
        {
            // A timeout that surfaced as a cancellation (sending, or reading the headers): a failed attempt, retryable.
            result = AttemptResult.Fail(attempt.TimeoutError());
            reported = true;
        }
        catch (FormatException) when (request.CommittedTimestamp is null)
        {
            // The channel's declared policy cannot be applied to this body's shape: refused, never sent without it.
            result = AttemptResult.Fail(new UpstreamError(UpstreamErrorKind.RequestRejected,
                $"The request's shape does not allow the declared policy of channel '{target.ChannelName}' (GET /v1/policy) to be applied.", 400));
            reported = true;
        }
        finally
        {
            if (!reported)
            {
                // The client went away (the exception goes on to the pipeline): no verdict on the upstream.
                health.ReportAbandoned(healthKey);
                metrics.AttemptEnded(target.ChannelName, target.Upstream.Profile.Id, AbandonedAttempt);
                WardenTrace.AttemptEnded(span, AbandonedAttempt, null, null, Core.Chat.Usage.NotReported);
            }
        }

        string outcome = result.Failed ? ErrorName(result.Error!.Kind) : WardenMetrics.AttemptOk;
        metrics.AttemptEnded(target.ChannelName, target.Upstream.Profile.Id, outcome);
        WardenTrace.AttemptEnded(span, outcome, result.Error?.UpstreamStatus, request.ServedModel, request.Usage);

        if (result.Failed)
        {
            var error = result.Error!;
            health.ReportFailure(healthKey, error.Kind, error.RetryAfter);
            request.Attempts.Add(new ReceiptAttempt(target.ChannelName, ErrorName(error.Kind), error.UpstreamStatus));
            request.Changes.RemoveRange(changesBefore, request.Changes.Count - changesBefore);
            request.ServedModel = null;
            request.Usage = Core.Chat.Usage.NotReported;
            request.UpstreamBody = null;
            request.UpstreamConnection = null;
            request.UpstreamResponse = null;
            request.Fallback = ReceiptFallback.None;
            return result;
        }

        if (context.RequestAborted.IsCancellationRequested || request.Outcome is UsageOutcome.ClientError or UsageOutcome.SettlementFailed)
        {
            health.ReportAbandoned(healthKey);
        }
        else if (request.Outcome == UsageOutcome.Completed)
        {
            health.ReportSuccess(healthKey, attempt.TimeToHeaders ?? time.GetElapsedTime(request.StartTimestamp));
        }
        else
        {
            // Committed, then broken or failed mid-stream: the client was answered, but the key is not healthy.
            health.ReportFailure(healthKey, UpstreamErrorKind.ServerError, null);
        }

        return result;
    }

    private Func<HttpContext, RelayRequest, UpstreamAttempt, Task<AttemptResult>> RelayFor(RelayRequest request, RouteTarget target)
    {
        var upstreamDialect = target.Upstream.Profile.Dialect;
        if (!OperationTable.CanServe(request.Operation, request.Protocol.Dialect, upstreamDialect))
        {
            // The operation × dialect table says this upstream cannot serve this call (no translation for the operation).
            return RefuseTargetAsync;
        }

        if (upstreamDialect != request.Protocol.Dialect)
        {
            return translating.AttemptAsync;
        }

        if (request.AttemptMasking is { Masked: true })
        {
            // Masking goes through the canonical model even when the dialects match: the masked request is encoded for
            // the upstream, and the answer's placeholders are restored event by event before the client sees them.
            return translating.AttemptAsync;
        }

        // The dialect says how a same-dialect call is relayed (OpenAI Chat's usage splice, Gemini's JSON-array re-framing).
        return request.Protocol.Wire.SameDialectRelay(request.Facts!, request.Context) switch
        {
            SameDialectRelay.PassThroughWithUsageSplice => chatRelay.AttemptAsync,
            SameDialectRelay.Translate => translating.AttemptAsync,
            _ => passThrough.AttemptAsync,
        };
    }

    private static Task<AttemptResult> RefuseTargetAsync(HttpContext context, RelayRequest request, UpstreamAttempt attempt) =>
        Task.FromResult(AttemptResult.Fail(new UpstreamError(UpstreamErrorKind.RequestRejected,
            $"This channel speaks {WireDialects.For(attempt.Target.Upstream.Profile.Dialect).DisplayName}, which cannot serve {OperationTable.NameOf(request.Operation)} for {request.Protocol.Wire.DisplayName} clients.")));

    /// <summary>Nothing answered: the last upstream error, or why no attempt could be made, in the client's protocol.</summary>
    private Task FailAsync(HttpContext context, RelayRequest request, UpstreamError? lastError, bool shed, TimeSpan? availableIn, bool coolingOnly)
    {
        if (lastError is not null)
        {
            // A 429 without Retry-After cooled the key down for the default time: the client is told the same wait,
            // so its next try finds the key available instead of Warden's local 429.
            if (lastError is { Kind: UpstreamErrorKind.RateLimited, RetryAfter: null })
            {
                lastError = lastError with { RetryAfter = options.Health.DefaultCoolDown };
            }

            return RelayOutput.FailBeforeCommitAsync(context, request, lastError);
        }

        request.Outcome = UsageOutcome.UpstreamError;
        ClientError error;
        TimeSpan retryAfter;
        if (shed)
        {
            error = new ClientError(StatusCodes.Status503ServiceUnavailable, ClientErrorKind.Overloaded,
                "Every channel serving this model is at its bound of concurrent requests; retry shortly.", null, "upstream_capacity");
            retryAfter = TimeSpan.FromSeconds(1);
        }
        else if (coolingOnly)
        {
            error = new ClientError(StatusCodes.Status429TooManyRequests, ClientErrorKind.RateLimited,
                "Every upstream key serving this model is rate limited by its provider; retry after the delay given.", null, "rate_limit_exceeded");
            retryAfter = availableIn ?? UpstreamErrorPolicy.DefaultRetryAfter;
        }
        else
        {
            error = new ClientError(StatusCodes.Status503ServiceUnavailable, ClientErrorKind.Overloaded,
                "Every upstream serving this model is failing and is paused; retry after the delay given.", null, "upstream_unavailable");
            retryAfter = availableIn ?? UpstreamErrorPolicy.DefaultRetryAfter;
        }

        request.Status = error.Status;
        return request.Protocol.WriteErrorAsync(context, error, retryAfter);
    }

    private static Task RefuseAsync(HttpContext context, RelayRequest request, ClientError error, string outcome)
    {
        request.Status = error.Status;
        request.Outcome = outcome;
        return request.Protocol.WriteErrorAsync(context, error);
    }

    /// <summary>The outcome of an attempt given up because the client went away.</summary>
    private const string AbandonedAttempt = "abandoned";

    private static TimeSpan? Earliest(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : (a < b ? a : b);

    private static string ErrorName(UpstreamErrorKind kind) => kind switch
    {
        UpstreamErrorKind.ConnectFailed => "connect_failed",
        UpstreamErrorKind.Timeout => "timeout",
        UpstreamErrorKind.RateLimited => "rate_limited",
        UpstreamErrorKind.Overloaded => "overloaded",
        UpstreamErrorKind.ServerError => "server_error",
        UpstreamErrorKind.CredentialRejected => "credential_rejected",
        UpstreamErrorKind.RequestRejected => "request_rejected",
        UpstreamErrorKind.ProtocolViolation => "protocol_violation",
        UpstreamErrorKind.ResponseTooLarge => "response_too_large",
        UpstreamErrorKind.RequestBodyDropped => "request_body_dropped",
        _ => kind.ToString(),
    };
}
