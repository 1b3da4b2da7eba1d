using System.Buffers;
using Microsoft.AspNetCore.Http.Features;
using Warden.Core.Canonical;
using Warden.Core.Dialects;
using Warden.Core.Dialects.OpenAIChat;
using Warden.Server.Billing;
using Warden.Server.Hosting;
using Warden.Server.Keys;
using Warden.Server.Protocols;
using Warden.Server.Relay;
using Warden.Server.Residency;
using Warden.Server.Routing;
using Warden.Server.Trust;
using Warden.Server.Usage;

namespace Warden.Server.Pipeline;

/// <summary>
/// The request path of every relayed call, whatever protocol the client speaks (<c>/v1/chat/completions</c>,
/// <c>/v1/messages</c>, <c>/v1/responses</c>, Gemini's <c>:generateContent</c>). The stage order is written once, in
/// <see cref="HandleAsync"/>: authenticate, read body, inspect, route, reserve, forward, settle, record. Each stage
/// either passes the request on or answers it with an error in the client's protocol; every request ends as exactly
/// one usage record, and every reservation ends as exactly one settlement. Forwarding picks the relay: byte
/// pass-through when client and upstream speak the same dialect, translation otherwise.
/// </summary>
internal sealed partial class RelayPipeline(
    KeyDirectory keys,
    ChannelCatalog catalog,
    AliasCatalog aliases,
    AttemptLoop attempts,
    TokenCounter tokenCounter,
    UsageWriter usage,
    RequestReceipts receipts,
    BillingGate billing,
    PolicyCatalog policies,
    ResidencyCatalog residency,
    BillingCatalog billingCatalog,
    Telemetry.WardenMetrics metrics,
    WardenOptions options,
    TimeProvider time,
    ILogger<RelayPipeline> logger)
{
    /// <summary>How settlements with no upstream-reported usage but a committed answer are labelled.</summary>
    public const string InputEstimateMethod = "TokenEstimator on the request text (input only; the upstream reported no usage)";

    /// <summary>What a client gets instead of a complete answer whose settlement failed (the hold is never charged).</summary>
    private static readonly ClientError SettlementFailedError = new(StatusCodes.Status503ServiceUnavailable, ClientErrorKind.Overloaded,
        "Warden could not record the cost of this answer, so it was not delivered and nothing was charged; retry shortly.", null, "billing_unavailable");

    /// <summary>
    /// What a client gets instead of an answer's end when its usage record and receipt could not be committed: a complete
    /// answer is withheld (a 503), a stream ends with this error inside its protocol instead of its final event.
    /// </summary>
    private static readonly ClientError RecordFailedError = new(StatusCodes.Status503ServiceUnavailable, ClientErrorKind.Overloaded,
        "Warden could not record this answer, so its end was not delivered; retry shortly.", null, "record_unavailable");

    /// <summary>How much of an oversized body is read and discarded so the client can read its 413.</summary>
    private const long OversizeDrainBytes = 8 * 1024 * 1024;

    /// <summary>A generation call (chat completions, responses, messages, generateContent) of <paramref name="protocol"/>'s client.</summary>
    public async Task HandleAsync(HttpContext context, ClientProtocol protocol, RequestContext requestContext)
    {
        var request = new RelayRequest(context.TraceIdentifier, time.GetTimestamp(), time.GetUtcNow(), protocol, requestContext) { Operation = ApiOperation.Chat };
        HashingResponseBodyFeature? responseHashing = null;
        bool streaming = false;
        try
        {
            if (await ServedAsync(context, request)
                && await AuthenticateAsync(context, request)
                && await ReadBodyAsync(context, request)
                && await InspectAsync(context, request)
                && await RouteAsync(context, request)
                && await ReserveAsync(context, request))
            {
                responseHashing = receipts.Prepare(context, request);
                if (!request.Facts!.Stream)
                {
                    // A complete answer is settled at its commit point, before its status goes out (and so before its
                    // receipt is signed as the headers go out): no client holds an answer whose settlement is not committed.
                    request.SettleBeforeAnswer = () => SettleAnswerAsync(request);

                    // Then its receipt is signed and stored with its usage record, durably, before its status goes out.
                    request.RecordBeforeAnswer = () => RecordAnswerAsync(request);
                }

                if (request.Facts.Stream)
                {
                    streaming = true;
                    metrics.StreamOpened(protocol.Dialect);
                }

                await attempts.ForwardAsync(context, request);

                // Settled before a stream's receipt is signed, so the receipt carries the cost and price version.
                await SettleAsync(request);

                // The stream's end (held back by the relay) goes out only once its record and receipt are committed.
                await FinishStreamAsync(context, request, responseHashing);
            }
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested && ex is OperationCanceledException or IOException or HttpRequestException)
        {
            // The client went away (seen as a cancellation, or as a failed read or write); the upstream call was cancelled with it.
            request.Status = StatusCodes.Status499ClientClosedRequest;
            request.Outcome = UsageOutcome.ClientCancelled;
        }
        finally
        {
            if (request.Status == 0)
            {
                request.Status = context.Response.StatusCode;
            }

            // Also after a failure or a disconnect: the settlement takes no cancellation token, so RequestAborted cannot stop it.
            await SettleAsync(request);
            await receipts.EnsureIssuedAsync(request, responseHashing);
            responseHashing?.Dispose();
            if (request.DurableRecord is not { } durable)
            {
                await usage.EnqueueAsync(request.ToRecord(time));
            }
            else if (durable.Status != request.Status || durable.Outcome != request.Outcome)
            {
                // Sending the end failed after its record was committed (the client went away): the record says so.
                // Its receipt is stored already.
                await usage.EnqueueAsync(request.ToRecord(time) with { Receipt = null });
            }
            await request.ReturnBodyAsync();
            if (streaming)
            {
                metrics.StreamClosed(protocol.Dialect);
            }

            Observe(request);
        }
    }

    /// <summary>The request's metrics and the GenAI facts on its span: names the operator chose, counts and times only.</summary>
    private void Observe(RelayRequest request)
    {
        string? routedModel = request.Legs.Count > 0 ? request.Facts?.Model : null;
        long end = time.GetTimestamp();
        metrics.RequestEnded(new Telemetry.RequestFigures(
            request.Protocol.Dialect,
            routedModel,
            request.Outcome,
            request.Status,
            time.GetElapsedTime(request.StartTimestamp, end),
            request.Facts is { Stream: true } && request.CommittedTimestamp is { } committed ? time.GetElapsedTime(request.StartTimestamp, committed) : null,
            request.Usage.InputTokens,
            request.Usage.OutputTokens,
            request.Settlement?.CostMicros,
            request.Settlement?.Currency));
        if (System.Diagnostics.Activity.Current is { } span && span.Source == Telemetry.WardenTrace.Source)
        {
            if (routedModel is not null)
            {
                Telemetry.WardenTrace.Routed(span, request.Protocol.Dialect, routedModel, request.Facts!.Stream);
            }

            Telemetry.WardenTrace.Finished(span, request.ServedModel, request.Usage, request.Outcome, request.Target?.ChannelName);
        }
    }

    /// <summary>
    /// Anthropic's <c>/v1/messages/count_tokens</c> and Gemini's <c>:countTokens</c>: the same stages, then either the
    /// upstream's own count (same dialect) or a labelled estimate.
    /// </summary>
    public async Task HandleCountTokensAsync(HttpContext context, ClientProtocol protocol, RequestContext requestContext)
    {
        var request = new RelayRequest(context.TraceIdentifier, time.GetTimestamp(), time.GetUtcNow(), protocol, requestContext) { Operation = ApiOperation.CountTokens };
        try
        {
            if (await ServedAsync(context, request)
                && await AuthenticateAsync(context, request)
                && await ReadBodyAsync(context, request)
                && await InspectCountAsync(context, request)
                && await RouteAsync(context, request)
                && await AdmitCountAsync(context, request))
            {
                await tokenCounter.CountAsync(context, request);
            }
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested && ex is OperationCanceledException or IOException or HttpRequestException)
        {
            request.Status = StatusCodes.Status499ClientClosedRequest;
            request.Outcome = UsageOutcome.ClientCancelled;
        }
        finally
        {
            if (request.Status == 0)
            {
                request.Status = context.Response.StatusCode;
            }

            // Frees the concurrency slot; an unmetered admission has nothing to bill.
            await SettleAsync(request);
            await usage.EnqueueAsync(request.ToRecord(time));
            await request.ReturnBodyAsync();
            Observe(request);
        }
    }

    /// <summary>
    /// The operation × dialect table's word on this call (<see cref="OperationTable"/>): a refused cell is a 404 in the
    /// client's protocol, as an unmapped route would be.
    /// </summary>
    private static async Task<bool> ServedAsync(HttpContext context, RelayRequest request)
    {
        var cell = OperationTable.Cell(request.Operation, request.Protocol.Dialect);
        if (cell.Support != OperationSupport.Refused)
        {
            return true;
        }

        await RejectAsync(context, request, new ClientError(StatusCodes.Status404NotFound, ClientErrorKind.NotFound,
            $"{request.Protocol.Wire.DisplayName} clients cannot call {OperationTable.NameOf(request.Operation)} here: {cell.Note}."));
        return false;
    }

    private static async Task<bool> InspectCountAsync(HttpContext context, RelayRequest request)
    {
        // The same validation as a generation body (JSON object, text, one 'model'), so a body no estimator or upstream
        // could read is a 400 here; a count body has no max_tokens or stream, and Gemini's model is in the path.
        if (request.Protocol.Codec.TryInspect(request.Body.Span, request.Context, out var facts, out var error))
        {
            request.Facts = new RequestFacts(facts.Model, false, null, null);
            return true;
        }

        await RejectAsync(context, request, new ClientError(StatusCodes.Status400BadRequest, ClientErrorKind.InvalidRequest, error!.Message, error.Param));
        return false;
    }

    /// <summary>
    /// Applies the rate limits and holds the worst case (an upper bound of the input + the output limit, see
    /// <see cref="InputTokenBound"/> and <see cref="OutputLimits"/>) before anything goes upstream. A key with no tenant
    /// is not metered (only rate-limited); a refusal is answered in the client's protocol.
    /// </summary>
    private async Task<bool> ReserveAsync(HttpContext context, RelayRequest request)
    {
        if (request.Facts!.MaxOutputTokens > OutputLimits.Ceiling)
        {
            // Beyond any model's output, and a number the hold's arithmetic must never meet (issue 18: a 500 before).
            await RejectAsync(context, request, new ClientError(StatusCodes.Status400BadRequest, ClientErrorKind.InvalidRequest,
                $"The output limit {request.Facts.MaxOutputTokens} is above the largest this server accepts ({OutputLimits.Ceiling} tokens).",
                request.Protocol.Wire.OutputLimitField));
            return false;
        }

        var (maxOutput, cap) = OutputLimits.For(request.Facts.MaxOutputTokens, ServedWith(request.Legs));
        var outcome = await billing.ReserveAsync(request.Key!, request.Facts.Model, request.InputTokenBound, maxOutput, request.Id);
        if (outcome.Reservation is { IsMetered: true } && (cap || request.Facts.MaxOutputTokens > 0))
        {
            // Every body sent upstream then carries no limit above the one held: the cap a model of unknown maximum needs,
            // and, for a stated limit, against a second limit member the inspector did not take ("max_tokens" beside
            // "max_completion_tokens", a repeated member) or a channel override raising it. Nothing changes (and nothing
            // is declared) when the body already agrees. An unmetered request goes upstream as the client sent it.
            request.OutputCap = maxOutput;
        }

        return await TakeOutcomeAsync(context, request, outcome);
    }

    /// <summary>
    /// Token counting is free (no hold), but it goes upstream, so the key's and tenant's request rate and concurrency
    /// limits apply to it: it counts as one request per minute and holds a concurrency slot while it runs; it takes
    /// nothing from tokens per minute.
    /// </summary>
    private Task<bool> AdmitCountAsync(HttpContext context, RelayRequest request) =>
        TakeOutcomeAsync(context, request, billing.AdmitUnmetered(request.Key!, request.Facts!.Model, request.Id));

    private static async Task<bool> TakeOutcomeAsync(HttpContext context, RelayRequest request, ReserveOutcome outcome)
    {
        if (outcome.Reservation is { } reservation)
        {
            request.Reservation = reservation;
            return true;
        }

        var refusal = outcome.Refusal!;
        var kind = refusal.Kind switch
        {
            BillingRefusalKind.RateLimited => ClientErrorKind.RateLimited,
            BillingRefusalKind.NotPriced => ClientErrorKind.Permission,
            _ => ClientErrorKind.InsufficientCredit,
        };
        string? param = refusal.Kind == BillingRefusalKind.NotPriced ? "model" : null;
        request.Status = refusal.StatusCode;
        request.Outcome = UsageOutcome.RefusedBilling;
        TimeSpan? retryAfter = refusal.RetryAfterSeconds is { } seconds
            ? (seconds >= (long)TimeSpan.MaxValue.TotalSeconds ? TimeSpan.MaxValue : TimeSpan.FromSeconds(seconds))
            : null;
        await request.Protocol.WriteErrorAsync(context, new ClientError(refusal.StatusCode, kind, refusal.Message, param, refusal.Code), retryAfter);
        return false;
    }

    /// <summary>Each model the request may be served by, with the output cap its channel declares (when it does).</summary>
    private IEnumerable<(string Model, long? ChannelCap)> ServedWith(IReadOnlyList<RouteLeg> legs)
    {
        foreach (var leg in legs)
        {
            foreach (var target in leg.Targets)
            {
                yield return (leg.Model, policies.For(target.ChannelId)?.MaxOutputTokensCap);
            }
        }
    }

    /// <summary>
    /// Settles the request's reservation once: with the upstream-reported usage; when the upstream reported none but
    /// an answer was committed, with the labelled input estimate (output not reported); when nothing was committed
    /// (upstream error, refusal), as not reported (cost 0). A failure to settle is logged and leaves the hold for the
    /// stale-hold release, never a charge.
    /// </summary>
    /// <returns>False when settling failed.</returns>
    private async Task<bool> SettleAsync(RelayRequest request, bool answering = false)
    {
        if (request.Reservation is not { } reservation || request.SettleStarted)
        {
            return true;
        }

        request.SettleStarted = true;
        var usage = request.Usage;
        string? method = null;
        if (usage.Source == Core.Chat.UsageSource.NotReported && (answering || request.CommittedTimestamp is not null))
        {
            usage = new Core.Chat.Usage(request.EstimatedInputTokens(), null, null, null, null, Core.Chat.UsageSource.Estimated);
            method = InputEstimateMethod;
        }

        try
        {
            request.Settlement = await billing.SettleAsync(reservation, usage, method);
            return true;
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or OverflowException)
        {
            Telemetry.Log.SettlementFailed(logger, request.Id, ex.GetType().Name);
            return false;
        }
    }

    /// <summary>
    /// Settles a complete answer before any of it is sent (<see cref="RelayRequest.SettleBeforeAnswer"/>). If that fails,
    /// the answer is withheld and the client gets a 503 in its protocol instead: a metered answer is never acknowledged
    /// unless its settlement is committed.
    /// </summary>
    private async Task<ClientError?> SettleAnswerAsync(RelayRequest request)
    {
        if (await SettleAsync(request, answering: true))
        {
            return null;
        }

        request.Status = SettlementFailedError.Status;
        request.Outcome = UsageOutcome.SettlementFailed;
        return SettlementFailedError;
    }

    /// <summary>
    /// Commits the answer's usage record, with its signed receipt (and the receipt's log entry), in the usage writer's
    /// next group commit, and waits for it: the step before an answer's end goes out. False when the commit failed: the
    /// receipt is forgotten (never sent, never stored) and the request is marked so that its end is withheld.
    /// </summary>
    private async Task<bool> RecordDurablyAsync(RelayRequest request)
    {
        var record = request.ToRecord(time);
        if (await usage.CommitAsync(record))
        {
            request.DurableRecord = record;
            return true;
        }

        Telemetry.Log.RecordFailed(logger, request.Id);
        request.Receipt = null;
        request.Status = RecordFailedError.Status;
        request.Outcome = UsageOutcome.RecordFailed;
        return false;
    }

    /// <summary>A complete answer (<see cref="RelayRequest.RecordBeforeAnswer"/>): sign its receipt, commit its record; on failure the 503 to send instead.</summary>
    private async Task<ClientError?> RecordAnswerAsync(RelayRequest request)
    {
        await receipts.IssueForAnswerAsync(request);
        return await RecordDurablyAsync(request) ? null : RecordFailedError;
    }

    /// <summary>
    /// Ends a committed stream: its receipt is signed and its record committed before the held end and the receipt comment
    /// go out. If the commit failed, the end is dropped and the stream ends with an error in the client's protocol instead.
    /// </summary>
    private async Task FinishStreamAsync(HttpContext context, RelayRequest request, HashingResponseBodyFeature? responseHashing)
    {
        if (await receipts.FinishStreamAsync(context, request, responseHashing, () => RecordDurablyAsync(request)))
        {
            if (context.RequestAborted.IsCancellationRequested)
            {
                // The client left before the end could reach it (Kestrel drops writes to a closed connection without
                // throwing): a stream kept for its usage after the finish (billing.md) ends here, and its record says so.
                request.Status = StatusCodes.Status499ClientClosedRequest;
                request.Outcome = UsageOutcome.ClientCancelled;
            }

            return;
        }

        // Status 200 went out with the first event: the refusal goes inside the stream. (A Gemini JSON-array stream gets
        // an error chunk after its open array: not valid JSON, so no client takes it for a complete answer either.)
        var minimal = new CanonicalRequest { Origin = request.Protocol.Dialect, Model = request.Facts!.Model, Stream = true };
        var encoder = request.Protocol.CreateStreamEncoder(minimal, request.Context.GeminiSse ?? true, request.Protocol.Dialect, time);
        var output = context.Response.BodyWriter;
        encoder.Fail(RecordFailedError, output);
        await output.FlushAsync(context.RequestAborted);
    }

    private async Task<bool> AuthenticateAsync(HttpContext context, RelayRequest request)
    {
        var result = keys.Authenticate(request.Protocol.ReadKey(context.Request), KeyRole.Client);
        if (result.Outcome == AuthenticationOutcome.Authenticated)
        {
            request.Key = result.Key;
            return true;
        }

        await RejectAsync(context, request, ClientKeyRefusal.For(result.Outcome, request.Protocol.KeyHint));
        return false;
    }

    private async Task<bool> ReadBodyAsync(HttpContext context, RelayRequest request)
    {
        long limit = options.MaxRequestBodyBytes;
        var reader = context.Request.BodyReader;

        // Kestrel's own cap sits a drain allowance above Warden's limit: an oversized body is read and discarded
        // up to that allowance before the 413 goes out, so the client finishes sending and reads the error instead
        // of a broken pipe (clients do not send Expect: 100-continue).
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = limit + OversizeDrainBytes;
        }

        if (context.Request.ContentLength > limit)
        {
            if (context.Request.ContentLength <= limit + OversizeDrainBytes)
            {
                await DrainAsync(reader, context.RequestAborted);
            }

            await RejectTooLargeAsync(context, request, limit);
            return false;
        }

        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(context.RequestAborted);
                var buffer = result.Buffer;
                if (buffer.Length > limit)
                {
                    reader.AdvanceTo(buffer.End);
                    await DrainAsync(reader, context.RequestAborted);
                    await RejectTooLargeAsync(context, request, limit);
                    return false;
                }

                if (result.IsCompleted)
                {
                    // A pooled buffer, returned (and cleared) when the request ends: agent requests are 30-115 KB,
                    // and a fresh array per request would land on the large-object heap.
                    int length = (int)buffer.Length;
                    byte[] rented = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
                    buffer.CopyTo(rented);
                    request.UseRentedBody(rented, length);
                    reader.AdvanceTo(buffer.End);
                    return true;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await RejectTooLargeAsync(context, request, limit);
            return false;
        }
    }

    /// <summary>Reads and discards what is left of a rejected body, up to Kestrel's per-request cap.</summary>
    private static async Task DrainAsync(System.IO.Pipelines.PipeReader reader, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (BadHttpRequestException)
        {
            // Past the drain allowance: Kestrel will close the connection after the 413.
        }
    }

    private static async Task<bool> InspectAsync(HttpContext context, RelayRequest request)
    {
        request.StartHashingBody();

        // A dialect may hand back more than the common facts (OpenAI Chat's stream_options, for its usage splice).
        if (request.Protocol.Wire.TryInspectClient(request.Body.Span, request.Context, out var facts, out var detail, out var error))
        {
            request.Facts = facts;
            request.Info = detail as ChatRequestInfo;
            return true;
        }

        await RejectAsync(context, request, new ClientError(StatusCodes.Status400BadRequest, ClientErrorKind.InvalidRequest, error!.Message, error.Param));
        return false;
    }

    /// <summary>
    /// Resolves the requested name (a model, or a declared alias of one) to the upstream keys that may serve it, checks
    /// the key may use it, and adds the key's declared fallback models as later legs. The attempt loop picks among them.
    /// </summary>
    private async Task<bool> RouteAsync(HttpContext context, RelayRequest request)
    {
        string requested = request.Facts!.Model;
        string model = requested;
        string? modelChange = null;
        var targets = catalog.Find(requested);
        if (targets.IsEmpty && aliases.Find(requested) is { } alias)
        {
            model = alias.Model;
            modelChange = "alias:" + requested + "->" + model;
            targets = alias.Provider is null ? catalog.Find(model) : [.. catalog.Find(model).Where(t => string.Equals(t.Upstream.Profile.Id, alias.Provider, StringComparison.Ordinal))];
        }

        if (targets.IsEmpty)
        {
            await RejectAsync(context, request, new ClientError(StatusCodes.Status404NotFound, ClientErrorKind.NotFound,
                $"The model '{requested}' does not exist or is not served here. GET /v1/models lists the models this key may use.",
                "model", "model_not_found"));
            return false;
        }

        var key = request.Key!;
        if (!key.MayUse(requested))
        {
            await RejectAsync(context, request, new ClientError(StatusCodes.Status403Forbidden, ClientErrorKind.Permission,
                $"This API key may not use the model '{requested}'.", "model", "model_not_allowed"));
            return false;
        }

        var legs = new List<RouteLeg>(1 + key.FallbackModels.Count) { new(model, modelChange, false, targets) };
        foreach (string fallback in key.FallbackModels)
        {
            // Only the key holder's own declared list, only models it may use, never the one already tried.
            if (!string.Equals(fallback, model, StringComparison.Ordinal) && key.MayUse(fallback) && catalog.Find(fallback) is { IsEmpty: false } fallbackTargets)
            {
                legs.Add(new RouteLeg(fallback, "fallback:" + requested + "->" + fallback, true, fallbackTargets));
            }
        }

        // Residency before anything else (issue 20): a channel outside the allowed jurisdictions is never tried, whatever
        // its priority, and neither is a fallback model's channel there; legs left with no channel are dropped.
        if (!residency.IsEmpty && residency.For(key.Id, billingCatalog.Current.TenantOfKey(key.Id)?.Id) is { } rule)
        {
            request.Residency = rule;
            request.TenantId = billingCatalog.Current.TenantOfKey(key.Id)?.Id;
            if (!rule.Allowed.IsDefaultOrEmpty && !await KeepAllowedAsync(context, request, rule, legs))
            {
                return false;
            }
        }

        request.Legs = legs;
        request.Target = legs[0].Targets[0];
        return true;
    }

    /// <summary>
    /// Removes from every leg the channels whose jurisdiction <paramref name="rule"/> does not allow. When none is left,
    /// the client gets a 403 that names the rule and where the model's channels run, and false is returned.
    /// </summary>
    private static async Task<bool> KeepAllowedAsync(HttpContext context, RelayRequest request, ResidencyRule rule, List<RouteLeg> legs)
    {
        var refused = new SortedSet<string>(StringComparer.Ordinal);
        for (int i = legs.Count - 1; i >= 0; i--)
        {
            var leg = legs[i];
            var kept = leg.Targets.RemoveAll(target =>
            {
                if (rule.Allows(target.Jurisdiction))
                {
                    return false;
                }

                refused.Add(target.Jurisdiction);
                return true;
            });
            if (kept.IsEmpty)
            {
                legs.RemoveAt(i);
            }
            else if (kept.Length != leg.Targets.Length)
            {
                legs[i] = leg with { Targets = kept };
            }
        }

        if (legs.Count > 0)
        {
            return true;
        }

        await RejectAsync(context, request, new ClientError(StatusCodes.Status403Forbidden, ClientErrorKind.Permission,
            $"The residency rule {rule.Name} allows traffic only to {rule.AllowedText}; every channel serving '{request.Facts!.Model}' runs in {string.Join(", ", refused)}, so no route is left.",
            "model", "residency_no_route"));
        request.Outcome = UsageOutcome.RefusedResidency;
        return false;
    }

    private static Task RejectTooLargeAsync(HttpContext context, RelayRequest request, long limit) =>
        RejectAsync(context, request, new ClientError(StatusCodes.Status413PayloadTooLarge, ClientErrorKind.RequestTooLarge,
            $"The request body is larger than this server's limit of {limit} bytes.", null, "request_too_large"));

    private static Task RejectAsync(HttpContext context, RelayRequest request, ClientError error)
    {
        request.Status = error.Status;
        request.Outcome = UsageOutcome.ClientError;
        return request.Protocol.WriteErrorAsync(context, error);
    }
}
