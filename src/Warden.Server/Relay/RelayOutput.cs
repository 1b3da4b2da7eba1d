using System.Buffers;
using System.IO.Pipelines;
using System.Net.ServerSentEvents;
using Warden.Core.Canonical;
using Warden.Core.Providers;
using Warden.Server.Pipeline;
using Warden.Server.Usage;

namespace Warden.Server.Relay;

/// <summary>What every relay writes the same way: the commit, Warden's response headers, SSE framing, and errors before the commit.</summary>
internal static class RelayOutput
{
    /// <summary>Default largest non-streamed upstream response relayed (<see cref="Hosting.WardenOptions.MaxUpstreamResponseBytes"/>); larger ones are a 502.</summary>
    public const int MaxResponseBytes = 64 * 1024 * 1024;

    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventPrefix = "event: "u8.ToArray();

    /// <summary>
    /// Largest event written in one piece: Kestrel's response writer hands out pooled blocks of 4 KB, less its chunk
    /// framing, and asking for more than that makes it allocate an array for the one write.
    /// </summary>
    private const int OneShotEventBytes = 4000;

    /// <summary>The failure when the upstream answered in the other mode (a stream for a non-streamed call, or the reverse).</summary>
    public static UpstreamError? StreamModeMismatch(HttpResponseMessage response, bool streamAsked)
    {
        bool isEventStream = string.Equals(response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);
        if (isEventStream == streamAsked)
        {
            return null;
        }

        return new UpstreamError(
            UpstreamErrorKind.ProtocolViolation,
            streamAsked ? "The upstream answered a streamed request without a stream." : "The upstream answered a non-streamed request with a stream.");
    }

    /// <summary>Reads a complete (non-streamed) answer, bounded by <see cref="MaxResponseBytes"/>; a cut or oversized answer is an error.</summary>
    public static async Task<(byte[]? Body, UpstreamError? Error)> ReadAnswerAsync(HttpResponseMessage response, UpstreamAttempt attempt)
    {
        var cancellationToken = attempt.Token;
        byte[] body;
        try
        {
            body = await HttpContentReader.ReadBoundedAsync(response.Content, attempt.MaxResponseBytes + 1, cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException && attempt.TimedOut)
        {
            return (null, attempt.TimeoutError());
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return (null, new UpstreamError(UpstreamErrorKind.ProtocolViolation, "The upstream closed the connection before its response was complete."));
        }

        return body.Length > attempt.MaxResponseBytes
            ? (null, new UpstreamError(UpstreamErrorKind.ResponseTooLarge, $"The upstream's response is larger than {attempt.MaxResponseBytes} bytes."))
            : (body, null);
    }

    /// <summary>The commit point of a stream: status and headers go out with the first bytes; after this, failures go inside the stream.</summary>
    public static void CommitStream(HttpContext context, RelayRequest request, TimeProvider time, string contentType = "text/event-stream")
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        WriteRelayHeaders(response, request);
        request.Status = StatusCodes.Status200OK;
        request.CommittedTimestamp = time.GetTimestamp();
    }

    /// <summary>The commit point of a complete answer: the whole body is known before anything is sent.</summary>
    public static async Task WriteJsonAsync(HttpContext context, RelayRequest request, TimeProvider time, ReadOnlyMemory<byte> body)
    {
        if (request.SettleBeforeAnswer is { } settle && await settle() is { } withheld)
        {
            // The answer's settlement failed: it is withheld, and since nothing was sent the client gets a clean error.
            await request.Protocol.WriteErrorAsync(context, withheld);
            return;
        }

        // The receipt states the hash of exactly these bytes, known before anything is sent.
        request.ResponseSha256 = Core.Trust.ReceiptJson.Sha256Hex(body.Span);
        request.Status = StatusCodes.Status200OK;
        request.CommittedTimestamp = time.GetTimestamp();
        if (request.RecordBeforeAnswer is { } record && await record() is { } unrecorded)
        {
            // The answer's record and receipt could not be made durable: it is withheld, and the client gets a clean error.
            request.ResponseSha256 = null;
            await request.Protocol.WriteErrorAsync(context, unrecorded);
            return;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        WriteRelayHeaders(response, request);
        await response.Body.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>
    /// The end of a stream begins here (its final event is about to be written): from now on what is written for the
    /// client waits, unsent, until the answer's usage record and receipt are committed
    /// (<see cref="RelayPipeline"/>'s FinishStreamAsync releases it with the receipt comment), so a client never reads the
    /// end of an answer that a crash of the process could lose from the books.
    /// </summary>
    public static void HoldEnd(HttpContext context)
    {
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>() is Trust.HashingResponseBodyFeature hashing)
        {
            hashing.Hashing.Hold();
        }
    }

    /// <summary>Warden's truth headers: the model the upstream says it served, the provider, its jurisdiction.</summary>
    public static void WriteRelayHeaders(HttpResponse response, RelayRequest request)
    {
        var upstream = request.Target!.Upstream;
        if (request.ServedModel is { } served)
        {
            response.Headers["Warden-Served-Model"] = served;
        }

        response.Headers["Warden-Provider"] = upstream.Profile.Id;
        response.Headers["Warden-Jurisdiction"] = request.Target.Jurisdiction;
        response.Headers["Warden-Request-Id"] = request.Id;
        if (request.Attempts.Count > 0)
        {
            // Earlier attempts failed before anything was sent; the count tells the client this answer came from a retry.
            response.Headers["Warden-Attempts"] = (request.Attempts.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (request.Fallback.Used)
        {
            response.Headers["Warden-Fallback"] = $"from={request.Fallback.FromModel}; to={request.Fallback.ToModel}";
        }
    }

    /// <summary>
    /// The next upstream item of a stream, flushing what was written for the client first whenever that item is not
    /// already at hand. Nothing is ever held back while Warden waits for the upstream (no buffering), and events that
    /// arrived in one read leave in one write instead of a write per event. Nothing is flushed before the commit
    /// point: a flush would send the status line.
    /// </summary>
    /// <remarks>
    /// When the client has gone after the upstream's finish (<see cref="UpstreamAttempt.DrainingForUsage"/>), a failed
    /// flush does not end the stream: the read goes on, within the usage grace, so the usage after the finish is still
    /// tapped and billed; what is written then goes nowhere.
    /// </remarks>
    public static async ValueTask<bool> NextAsync<T>(IAsyncEnumerator<T> items, PipeWriter output, bool committed, CancellationToken clientAborted, UpstreamAttempt? attempt = null)
    {
        ValueTask<bool> next = items.MoveNextAsync();
        if (!committed)
        {
            return await next;
        }

        if (next.IsCompletedSuccessfully)
        {
            bool more = next.Result;
            if (!more && attempt is not { DrainingForUsage: true })
            {
                // The end: the last events go out now, not after the settlement that follows (a held end waits for its record).
                await output.FlushAsync(clientAborted);
            }

            return more;
        }

        try
        {
            await output.FlushAsync(clientAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && attempt is { DrainingForUsage: true })
        {
            return await next;
        }
        catch
        {
            // The read is already under way: let it end (the client is gone, so the attempt's token cancels it)
            // before the failure propagates, so the enumerator is never disposed in the middle of a read.
            await ObserveAsync(next);
            throw;
        }

        return await next;
    }

    private static async Task ObserveAsync(ValueTask<bool> pending)
    {
        try
        {
            await pending;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            // The flush's failure is the one that matters.
        }
    }

    /// <summary>Writes one SSE event; multi-line data gets a "data:" field per line so it round-trips.</summary>
    public static void WriteEvent(IBufferWriter<byte> output, string eventType, ReadOnlySpan<byte> data)
    {
        bool named = eventType != SseParser.EventTypeDefault;
        int nameBytes = named ? System.Text.Encoding.UTF8.GetByteCount(eventType) : 0;
        int total = (named ? EventPrefix.Length + nameBytes + 1 : 0) + DataPrefix.Length + data.Length + 2;
        if (total <= OneShotEventBytes && !data.Contains((byte)'\n'))
        {
            // The usual event: one line of data, written with one span and one Advance (so one hash update and one
            // buffer request on the response's writer instead of one per piece).
            var span = output.GetSpan(total);
            int at = 0;
            if (named)
            {
                EventPrefix.CopyTo(span);
                at = EventPrefix.Length;
                at += System.Text.Encoding.UTF8.GetBytes(eventType, span[at..]);
                span[at++] = (byte)'\n';
            }

            DataPrefix.CopyTo(span[at..]);
            at += DataPrefix.Length;
            data.CopyTo(span[at..]);
            at += data.Length;
            span[at++] = (byte)'\n';
            span[at++] = (byte)'\n';
            output.Advance(at);
            return;
        }

        if (named)
        {
            output.Write(EventPrefix);
            output.Write(System.Text.Encoding.UTF8.GetBytes(eventType));
            output.Write("\n"u8);
        }

        ReadOnlySpan<byte> remaining = data;
        while (true)
        {
            int newline = remaining.IndexOf((byte)'\n');
            output.Write(DataPrefix);
            output.Write(newline < 0 ? remaining : remaining[..newline]);
            output.Write("\n"u8);
            if (newline < 0)
            {
                break;
            }

            remaining = remaining[(newline + 1)..];
        }

        output.Write("\n"u8);
    }

    /// <summary>An upstream failure before anything was sent: a clean HTTP error in the client's protocol.</summary>
    public static Task FailBeforeCommitAsync(HttpContext context, RelayRequest request, UpstreamError error)
    {
        request.Outcome = UsageOutcome.UpstreamError;
        var clientError = UpstreamErrorPolicy.ToClientError(error);
        request.Status = clientError.Status;
        var treatment = UpstreamErrorPolicy.For(error.Kind);
        return request.Protocol.WriteErrorAsync(context, clientError, treatment.SendRetryAfter ? error.RetryAfter : null);
    }

    /// <summary>A request Warden cannot carry to this upstream: a 400 naming the field, in the client's protocol.</summary>
    public static Task RefuseAsync(HttpContext context, RelayRequest request, Core.Dialects.RequestParseError error)
    {
        request.Outcome = UsageOutcome.ClientError;
        request.Status = StatusCodes.Status400BadRequest;
        return request.Protocol.WriteErrorAsync(context, new ClientError(StatusCodes.Status400BadRequest, ClientErrorKind.InvalidRequest, error.Message, error.Param));
    }

    /// <summary>
    /// Records a stopped tool call (<see cref="ToolCallGuard"/>) on the request: its outcome, the receipt's change list
    /// and the log (the reason and a tool-like name; never the arguments).
    /// </summary>
    public static void RecordToolCallRefusal(RelayRequest request, ToolCallRefusal refusal, ILogger logger)
    {
        request.Outcome = UsageOutcome.ToolCallRefused;
        request.Changes.Add(refusal.Change);
        Telemetry.Log.ToolCallRefused(logger, request.Id, request.Target?.ChannelName ?? "?", refusal.ReasonText, refusal.LoggedName);
    }

    /// <summary>A stopped tool call before anything was sent: the answer is replaced by a clean 502 in the client's protocol.</summary>
    public static Task RefuseToolCallAsync(HttpContext context, RelayRequest request, ToolCallRefusal refusal, ILogger logger)
    {
        RecordToolCallRefusal(request, refusal, logger);
        var error = refusal.ToClientError();
        request.Status = error.Status;
        return request.Protocol.WriteErrorAsync(context, error);
    }

    /// <summary>The error a client sees inside a stream that broke after the commit point.</summary>
    public static ClientError StreamBroken(string because) => new(
        StatusCodes.Status502BadGateway, ClientErrorKind.UpstreamFailed,
        "The upstream provider's stream broke before it finished (" + because + "); the answer above is incomplete.", null, "upstream_stream_broken");

    /// <summary>The error a client sees when the upstream reported a failure inside its stream after the commit point.</summary>
    public static ClientError InStreamFailure(StreamFailed failed)
    {
        var clientError = UpstreamErrorPolicy.ToClientError(new UpstreamError(failed.Kind, failed.Message));
        return clientError with { Message = "The upstream provider failed mid-stream: " + failed.Message };
    }

    /// <summary>Records what a canonical event tells about the call: the served model and usage.</summary>
    public static void Tap(RelayRequest request, StreamEvent streamEvent, UpstreamAttempt? attempt = null)
    {
        switch (streamEvent)
        {
            case MessageFinished:
                attempt?.UpstreamFinished();
                break;
            case MessageStarted started:
                request.ServedModel ??= started.Model;
                if (started.Usage is { } startUsage)
                {
                    request.Usage = startUsage;
                }

                break;
            case UsageReported reported:
                request.Usage = reported.Usage;
                break;
            default:
                break;
        }
    }
}
