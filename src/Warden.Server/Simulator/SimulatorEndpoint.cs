using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Warden.Server.Simulator;

/// <summary>
/// One dialect's answering endpoint. Steps: read and validate the body; merge faults (URL prefix, model
/// suffix, header); check the model;
/// verify echoed reasoning; apply latency; answer with an error-status fault, or compose the answer and
/// send it whole or as a stream with the stream-shaping faults applied. Every request ends in one
/// journal entry. Token-counting calls share the parsing and journal but answer only a count.
/// </summary>
internal sealed class SimulatorEndpoint
{
    // Kestrel drops output it has not yet handed to the socket when a connection is aborted; this
    // grace lets the chunks that disconnect-N promised reach the client first. It is transport time,
    // not simulated time, so it deliberately uses the system clock. 250 ms, not 50: the reset also discards what
    // the client's socket received and had not read yet, and a loaded CI machine once let 50 ms pass before Warden
    // read the first event (a 502 instead of a committed stream that breaks).
    private static readonly TimeSpan DisconnectGrace = TimeSpan.FromMilliseconds(250);

    private readonly SimulatorWire _wire;
    private readonly SimulatorOptions _options;
    private readonly SimulatorJournal _journal;
    private readonly SimulatorAnswerSource _answers;
    private readonly CancellationToken _stopping;
    private readonly ILogger _logger;

    public SimulatorEndpoint(SimulatorWire wire, SimulatorOptions options, SimulatorJournal journal, SimulatorAnswerSource answers, ILogger logger, CancellationToken stopping)
    {
        _answers = answers;
        _wire = wire;
        _options = options;
        _journal = journal;
        _stopping = stopping;
        _logger = logger;
    }

    public Task HandleAsync(HttpContext context) => HandleAsync(context, countOnly: false);

    public Task CountTokensAsync(HttpContext context) => HandleAsync(context, countOnly: true);

    private async Task HandleAsync(HttpContext context, bool countOnly)
    {
        var exchange = new Exchange(SimulatorRequestId.Get(context), _options.Time.GetUtcNow(), _wire.Dialect, _options.Time)
        {
            FaultPrefix = SimulatorPathFaults.Get(context)?.Prefix,
        };
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping);

        // Stamped in the callback itself, so the journal shows when the abort was observed, not when the
        // handler got round to unwinding (the figure a "cancelled upstream within N ms" check compares against).
        var aborted = context.RequestAborted.UnsafeRegister(static (state, _) => ((Exchange)state!).ObserveAbort(), exchange);
        try
        {
            await RunAsync(context, exchange, countOnly, cancellation.Token);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            EndInterrupted(context, exchange);
        }
        catch (IOException) when (context.RequestAborted.IsCancellationRequested || exchange.StatusCode != 0)
        {
            // A write or read failed because the connection went away.
            EndInterrupted(context, exchange);
        }
#pragma warning disable CA1031 // Any failure must still end in a journal entry and an answer, not a dropped connection.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SimulatorLog.RequestFailed(_logger, exchange.Id, exception.GetType().FullName ?? "?", exception.StackTrace ?? "");
            exchange.Outcome = SimulatorOutcome.Faulted;
            if (context.Response.HasStarted)
            {
                context.Abort();
            }
            else
            {
                await SimulatorResponses.WriteErrorAsync(context, _wire.Dialect, SimulatorError.InternalError(), CancellationToken.None);
                exchange.StatusCode = StatusCodes.Status500InternalServerError;
            }
        }
        finally
        {
            // Disposing waits for a callback already running, so the entry cannot miss its stamp.
            await aborted.DisposeAsync();
            _journal.Add(exchange.ToEntry(_options.Time.GetUtcNow()));
        }
    }

    private async Task RunAsync(HttpContext context, Exchange exchange, bool countOnly, CancellationToken cancellationToken)
    {
        SimulatorChatRequest? request;
        SimulatorError? error;
        bool parsed;
        string? replayKey = null;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, cancellationToken);
            exchange.Model = _wire.PeekModel(context, document.RootElement);
            parsed = _wire.TryParse(context, document.RootElement, countOnly, out request, out error);
            if (parsed && request is not null && SimulatorEchoText.IsAsked(request, context))
            {
                // Read while the document is alive; only when asked, so ordinary requests pay nothing.
                request.EchoText = SimulatorEchoText.Collect(_wire.Dialect, document.RootElement);
            }

            if (parsed && request is not null && _answers.Dishonesty.Replay)
            {
                replayKey = SimulatorReplayCache.Key(_wire.Dialect, request.Model, document.RootElement);
            }
        }
        catch (JsonException)
        {
            await RejectAsync(context, exchange, SimulatorError.MalformedJson(), cancellationToken);
            return;
        }
        catch (BadHttpRequestException exception)
        {
            // Kestrel's own limits (body too large, bad framing) keep their status code.
            await RejectAsync(context, exchange, SimulatorError.Status(exception.StatusCode, "The request body could not be read: " + exception.Message), cancellationToken);
            return;
        }

        if (!parsed || request is null)
        {
            await RejectAsync(context, exchange, error!, cancellationToken);
            return;
        }

        exchange.Stream = request.Stream;
        exchange.IncludeUsage = request.IncludeUsage;
        var header = context.Request.Headers[SimulatorFaultPlan.HeaderName].ToString();
        var pathFaults = SimulatorPathFaults.Get(context);
        if (pathFaults?.Error is { } pathError)
        {
            await RejectAsync(context, exchange, SimulatorError.UnknownFault(pathError), cancellationToken);
            return;
        }

        if (!SimulatorFaultPlan.TryCreate(pathFaults?.Faults ?? [], request.ModelSuffixFaults, header, out var faults, out var faultError))
        {
            await RejectAsync(context, exchange, SimulatorError.UnknownFault(faultError), cancellationToken);
            return;
        }

        exchange.Fault = faults.Description;
        if (!SimulatorModels.IsKnown(request.Model))
        {
            await RejectAsync(context, exchange, SimulatorError.ModelNotFound(request.Model), cancellationToken);
            return;
        }

        if (request.Echoes.Count > 0)
        {
            exchange.EchoedReasoning = request.Echoes.Count;
            exchange.ReasoningVerified = request.Echoes.All(echo => echo.IsValid());
            if (exchange.ReasoningVerified == false)
            {
                await RejectAsync(context, exchange, SimulatorError.InvalidReasoningSignature(_wire.Dialect), cancellationToken);
                return;
            }
        }

        if (faults.LatencyMs > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(faults.LatencyMs), _options.Time, cancellationToken);
        }

        var statusError = faults.ErrorStatus is { } status ? SimulatorError.FromFault(status)
            : faults.MidstreamError && !request.Stream && !countOnly ? SimulatorError.MidstreamFailure()
            : null;
        if (statusError is not null)
        {
            exchange.StatusCode = statusError.StatusCode;
            exchange.Outcome = SimulatorOutcome.Faulted;
            await SimulatorResponses.WriteErrorAsync(context, _wire.Dialect, statusError, cancellationToken);
            return;
        }

        if (countOnly)
        {
            await CountAsync(context, exchange, request, cancellationToken);
            return;
        }

        var answer = _answers.Answer(request, faults, exchange.Id, replayKey);
        var meta = new SimulatorCompletionMeta(_wire.ResponseId(exchange.Id), exchange.ReceivedAt.ToUnixTimeSeconds(), request.Model, exchange.Id);
        if (request.Stream)
        {
            await StreamAsync(context, exchange, request, faults, answer, meta, cancellationToken);
        }
        else
        {
            await RespondAsync(context, exchange, request, faults, answer, meta, cancellationToken);
        }
    }

    private async Task CountAsync(HttpContext context, Exchange exchange, SimulatorChatRequest request, CancellationToken cancellationToken)
    {
        var usage = SimulatorAnswerComposer.Usage(request, 0, 0);
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, ChatCompletionJson.WriterOptions))
        {
            _wire.WriteCount(writer, usage);
        }

        exchange.StatusCode = StatusCodes.Status200OK;
        await SimulatorResponses.WriteAsync(context.Response, StatusCodes.Status200OK, buffer.WrittenMemory, cancellationToken);
    }

    private async Task RespondAsync(
        HttpContext context,
        Exchange exchange,
        SimulatorChatRequest request,
        SimulatorFaultPlan faults,
        SimulatorAnswer answer,
        SimulatorCompletionMeta meta,
        CancellationToken cancellationToken)
    {
        if (faults.StallMs > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(faults.StallMs), _options.Time, cancellationToken);
        }

        if (faults.DisconnectAfterChunks is not null)
        {
            exchange.Outcome = SimulatorOutcome.Faulted;
            context.Abort();
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer, ChatCompletionJson.WriterOptions))
        {
            _wire.WriteResponse(writer, meta, request, answer, includeUsage: !faults.NoUsage);
        }

        var body = buffer.WrittenMemory;
        if (faults.Malformed)
        {
            body = body[..(body.Length / 2)];
            exchange.Outcome = SimulatorOutcome.Faulted;
        }
        else
        {
            exchange.Usage = faults.NoUsage ? null : answer.Usage;
        }

        exchange.StatusCode = StatusCodes.Status200OK;
        await SimulatorResponses.WriteAsync(context.Response, StatusCodes.Status200OK, body, cancellationToken);
    }

    private async Task StreamAsync(
        HttpContext context,
        Exchange exchange,
        SimulatorChatRequest request,
        SimulatorFaultPlan faults,
        SimulatorAnswer answer,
        SimulatorCompletionMeta meta,
        CancellationToken cancellationToken)
    {
        var framing = _wire.Framing(context);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = framing == SimulatorFraming.JsonArray ? SimulatorResponses.JsonContentType : "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        exchange.StatusCode = StatusCodes.Status200OK;

        var sendUsage = _wire.StreamsUsage(request) && !faults.NoUsage;
        var pace = TimeSpan.FromMilliseconds(faults.PaceMs ?? _options.ChunkDelayMs);
        using var events = new SimulatorEventStream(response.BodyWriter, _options.Time, pace, framing)
        {
            UsageDelay = TimeSpan.FromMilliseconds(faults.UsageDelayMs),
        };
        var contentChunkChars = faults.HugeKilobytes is null ? _options.ChunkChars : Math.Max(_options.ChunkChars, 1024);
        var deltas = _wire.Plan(request, answer, _options.ChunkChars, contentChunkChars);
        var stream = _wire.CreateStreamWriter(request, answer, meta, deltas, sendUsage);

        // stall-N pauses once, after the stream's first event: the start events where the dialect has them
        // (role chunk, message_start, response.created), else (Gemini) the first delta.
        var stallPending = faults.StallMs > 0;
        async ValueTask StallOnceAsync()
        {
            if (stallPending && events.EventsWritten > 0)
            {
                stallPending = false;
                await Task.Delay(TimeSpan.FromMilliseconds(faults.StallMs), _options.Time, cancellationToken);
            }
        }

        await stream.WriteStartAsync(events, cancellationToken);
        await StallOnceAsync();
        if (faults.Malformed)
        {
            exchange.Outcome = SimulatorOutcome.Faulted;
            await events.WriteBrokenEventAsync(stream.MalformedEventName, stream.MalformedJson, cancellationToken);
            return;
        }

        var limit = faults.DisconnectAfterChunks ?? int.MaxValue;
        if (faults.MidstreamError)
        {
            // "After some output": about half the deltas, at least one when there is any.
            limit = Math.Min(limit, (deltas.Count + 1) / 2);
        }

        for (var i = 0; i < deltas.Count && i < limit; i++)
        {
            await stream.WriteDeltaAsync(events, i, cancellationToken);
            await StallOnceAsync();
        }

        if (faults.DisconnectAfterChunks is not null)
        {
            exchange.Outcome = SimulatorOutcome.Faulted;
            await Task.Delay(DisconnectGrace, TimeProvider.System, cancellationToken);
            context.Abort();
            return;
        }

        if (faults.MidstreamError)
        {
            exchange.Outcome = SimulatorOutcome.Faulted;
            await stream.WriteMidstreamErrorAsync(events, SimulatorError.MidstreamOverloaded(), cancellationToken);
            await events.CompleteAsync(cancellationToken);
            return;
        }

        await stream.WriteFinishAsync(events, cancellationToken);
        await events.CompleteAsync(cancellationToken);
        if (sendUsage)
        {
            exchange.Usage = answer.Usage;
        }

        exchange.Outcome = SimulatorOutcome.Completed;
    }

    private async Task RejectAsync(HttpContext context, Exchange exchange, SimulatorError error, CancellationToken cancellationToken)
    {
        exchange.Outcome = SimulatorOutcome.Rejected;
        exchange.StatusCode = error.StatusCode;
        await SimulatorResponses.WriteErrorAsync(context, _wire.Dialect, error, cancellationToken);
    }

    private void EndInterrupted(HttpContext context, Exchange exchange)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            exchange.Outcome = SimulatorOutcome.ClientCancelled;
            exchange.ObserveAbort();
            return;
        }

        if (_stopping.IsCancellationRequested)
        {
            // Do not leave the client waiting on a stream that will never finish.
            exchange.Outcome = SimulatorOutcome.ServerStopped;
            context.Abort();
            return;
        }

        // A write found the client gone before Kestrel reported the abort: that is when it was observed.
        exchange.Outcome = SimulatorOutcome.ClientCancelled;
        exchange.ObserveAbort();
    }

    /// <summary>What the journal will record, filled in as the request progresses.</summary>
    private sealed class Exchange(string id, DateTimeOffset receivedAt, SimulatorDialect dialect, TimeProvider time)
    {
        private long _abortObservedTicks;

        public string Id { get; } = id;

        public DateTimeOffset ReceivedAt { get; } = receivedAt;

        public string? Model { get; set; }

        public bool Stream { get; set; }

        public bool IncludeUsage { get; set; }

        public string? Fault { get; set; }

        public SimulatorOutcome Outcome { get; set; } = SimulatorOutcome.Completed;

        public int StatusCode { get; set; }

        public SimulatorUsage? Usage { get; set; }

        public int EchoedReasoning { get; set; }

        public bool? ReasoningVerified { get; set; }

        public string? FaultPrefix { get; init; }

        /// <summary>Notes the first moment the client was seen gone; may run on Kestrel's thread, hence the interlocked UTC ticks.</summary>
        public void ObserveAbort() => Interlocked.CompareExchange(ref _abortObservedTicks, time.GetUtcNow().UtcTicks, 0);

        public SimulatorJournalEntry ToEntry(DateTimeOffset finishedAt)
        {
            var observed = Interlocked.Read(ref _abortObservedTicks);

            // RequestAborted also fires when the simulator itself aborts (disconnect-N, shutdown) or when a
            // client closes after a complete answer; only a client that gave up mid-request was cancelling.
            DateTimeOffset? cancelledAt = Outcome == SimulatorOutcome.ClientCancelled && observed != 0
                ? new DateTimeOffset(observed, TimeSpan.Zero)
                : null;
            return new(Id, Model, Stream, IncludeUsage, Fault, Outcome, StatusCode, Usage, ReceivedAt, finishedAt,
                SimulatorDialects.JournalName(dialect), EchoedReasoning, ReasoningVerified, FaultPrefix, cancelledAt);
        }
    }
}
