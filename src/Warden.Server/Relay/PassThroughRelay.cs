using System.Net.ServerSentEvents;
using Warden.Core.Canonical;
using Warden.Core.Providers;
using Warden.Server.Pipeline;
using Warden.Server.Telemetry;
using Warden.Server.Usage;

namespace Warden.Server.Relay;

/// <summary>
/// Relays a call whose client and upstream speak the same dialect (Anthropic to Anthropic, Responses to Responses,
/// Gemini to Gemini): the client's body goes upstream byte for byte, and the upstream's events come back as they
/// arrive. The dialect's stream decoder runs beside the bytes only as a tap for the served model and usage.
/// (Chat Completions has its own pass-through relay, which also manages stream_options.)
/// </summary>
/// <remarks>
/// <code>
/// :: Step 1  send the client's body unchanged (Anthropic: with the client's anthropic-version and anthropic-beta)
/// :: Step 2  an upstream error here is an error response in the client's protocol (nothing sent yet)
/// :: Step 3  read the first event before committing, so a failure there is still a clean HTTP error
/// :: Step 4  COMMIT: status and headers go out with the first event; from here failures go inside the stream
/// :: Step 5  relay each event as received; a broken stream ends with the dialect's in-stream error
/// :: Step 5a hold a tool call's events until its name is declared and its arguments are a JSON object, else stop the
///            answer (<see cref="ToolCallGuard"/>): a clean 502 before the commit point, the in-stream error after it
/// :: Step 6  hold back the end, from the event that finishes the message, until the record and receipt are committed
/// </code>
/// </remarks>
internal sealed class PassThroughRelay(UpstreamAdapter adapter, UpstreamBodies bodies, TimeProvider time, ILogger<PassThroughRelay> logger)
{
    public async Task<AttemptResult> AttemptAsync(HttpContext context, RelayRequest request, UpstreamAttempt attempt)
    {
        var facts = request.Facts!;
        var wire = request.Protocol.Wire;

        // :: Step 1 (the client's own version headers go with its body, where the dialect has them)
        var body = bodies.Prepare(request, attempt, request.Body, request.Protocol.Dialect, modelInBody: wire.ModelInBody);
        var upstreamRequest = new UpstreamRequest(
            UpstreamOperation.Generate, attempt.UpstreamModel, body, facts.Stream,
            wire.VersionHeaders is { } version ? NonEmpty(context.Request.Headers[version.Version]) : null,
            wire.VersionHeaders is { Beta: { } beta } ? NonEmpty(context.Request.Headers[beta]) : null);
        using var call = await adapter.SendAsync(attempt.Target.Upstream, upstreamRequest, attempt.Token);

        // :: Step 2
        request.UpstreamRequestId = call.UpstreamRequestId;
        request.UpstreamConnection = call.Connection;
        request.UpstreamResponse = call.ResponseDigest;
        if (call.Error is { } error)
        {
            return AttemptResult.Fail(error);
        }

        attempt.HeadersReceived();
        var response = call.Response!;
        if (RelayOutput.StreamModeMismatch(response, facts.Stream) is { } mismatch)
        {
            return AttemptResult.Fail(mismatch);
        }

        return facts.Stream
            ? await RelayStreamAsync(context, request, response, attempt)
            : await RelayJsonAsync(context, request, response, attempt);
    }

    private async Task<AttemptResult> RelayJsonAsync(HttpContext context, RelayRequest request, HttpResponseMessage response, UpstreamAttempt attempt)
    {
        var (body, readError) = await RelayOutput.ReadAnswerAsync(response, attempt);
        if (body is null)
        {
            return AttemptResult.Fail(readError!);
        }

        if (!request.Protocol.Codec.TryDecodeResponse(body, out var answer))
        {
            return AttemptResult.Fail(new UpstreamError(UpstreamErrorKind.ProtocolViolation, "The upstream's response is not a valid answer of its protocol."));
        }

        request.ServedModel = answer.Model;
        if (ToolCallGuard.Check(answer, () => DeclaredTools.FromBody(request.Body.Span)) is { } refusal)
        {
            // The answer is replaced by an error; its usage is not billed, as the client received no answer.
            await RelayOutput.RefuseToolCallAsync(context, request, refusal, logger);
            return AttemptResult.Answered;
        }

        request.Usage = answer.Usage;

        // :: Step 4 (non-streamed: the whole body is known before anything is sent)
        await RelayOutput.WriteJsonAsync(context, request, time, body);
        return AttemptResult.Answered;
    }

    private async Task<AttemptResult> RelayStreamAsync(HttpContext context, RelayRequest request, HttpResponseMessage response, UpstreamAttempt attempt)
    {
        var cancellationToken = attempt.Token;
        var clientAborted = context.RequestAborted;
        var codec = request.Protocol.Codec;
        var decoder = codec.CreateStreamDecoder();
        var events = new List<StreamEvent>(8);
        await using var upstream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var parser = SseParser.Create(upstream, static (_, data) => data.ToArray());
        await using var items = parser.EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var output = context.Response.BodyWriter;
        bool committed = false;
        string? brokenBecause = null;
        StreamFailed? failed = null;
        long? lastSequence = null;
        var guard = new ToolCallGuard(() => DeclaredTools.FromBody(request.Body.Span));

        // The events of a tool call that has not yet passed the guard, held back as received (:: Step 5a).
        List<SseItem<byte[]>>? held = null;
        try
        {
            while (await RelayOutput.NextAsync(items, output, committed, clientAborted, attempt))
            {
                var item = items.Current;
                attempt.Touch();
                events.Clear();
                if (!decoder.Decode(item.EventType, item.Data, events))
                {
                    brokenBecause = "the upstream sent an event that is not valid for its protocol";
                    break;
                }

                bool finishing = false;
                bool passed = true;
                foreach (var streamEvent in events)
                {
                    RelayOutput.Tap(request, streamEvent, attempt);
                    failed ??= streamEvent as StreamFailed;
                    finishing |= streamEvent is MessageFinished;
                    passed &= guard.Observe(streamEvent);
                }

                if (!passed)
                {
                    // :: Step 5a: a tool call the client did not offer; none of its bytes were written.
                    return await RefuseToolCallAsync(context, request, guard.Refusal!, committed, lastSequence);
                }

                if (request.Protocol.CheckClientRunEvent(item.Data, guard) is { } itemRefusal)
                {
                    // :: Step 5a: a Responses item the client would run (a shell command, a patch), of a tool it did not declare.
                    return await RefuseToolCallAsync(context, request, itemRefusal, committed, lastSequence);
                }

                if (failed is not null && !committed)
                {
                    // :: Step 3: an error as the first event is still a clean HTTP error for the client.
                    return AttemptResult.Fail(new UpstreamError(failed.Kind, "The upstream failed before sending any output: " + failed.Message));
                }

                if (guard.Holding && failed is null)
                {
                    // :: Step 5a: a tool call is open: its events wait, unsent, until its name and arguments have passed.
                    (held ??= []).Add(item);
                    continue;
                }

                if (!committed)
                {
                    // :: Step 4: the commit point.
                    RelayOutput.CommitStream(context, request, time);
                    committed = true;
                }

                if (held is { Count: > 0 })
                {
                    // The call passed; unless the upstream failed inside it, whose events are then dropped.
                    if (!guard.Holding)
                    {
                        foreach (var waiting in held)
                        {
                            WriteUpstreamEvent(request, output, waiting, ref lastSequence);
                        }
                    }

                    held.Clear();
                }

                if (finishing)
                {
                    // :: Step 6: the event that finishes the message (Anthropic message_delta, Responses response.completed,
                    // Gemini's chunk with finishReason) and what follows wait, unsent, until the answer's record and receipt
                    // are committed.
                    RelayOutput.HoldEnd(context);
                }

                // :: Step 5: the upstream's own event, as received (an in-stream error included).
                WriteUpstreamEvent(request, output, item, ref lastSequence);
                attempt.Touch();
                if (failed is not null)
                {
                    await output.FlushAsync(clientAborted);
                    request.Outcome = UsageOutcome.UpstreamError;
                    return AttemptResult.Answered;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException && attempt.TimedOut && committed)
        {
            // Before the commit point a timeout goes up to the attempt loop, which may try another channel.
            brokenBecause = attempt.StalledBecause();
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            brokenBecause = "the upstream closed the stream before it finished";
        }

        if (brokenBecause is null)
        {
            events.Clear();
            bool complete = decoder.Complete(events);
            bool passed = true;
            foreach (var streamEvent in events)
            {
                RelayOutput.Tap(request, streamEvent);
                passed &= guard.Observe(streamEvent);
            }

            if (!passed)
            {
                // A call left open by the stream's end is checked like any other.
                return await RefuseToolCallAsync(context, request, guard.Refusal!, committed, lastSequence);
            }

            if (held is { Count: > 0 } && !guard.Holding)
            {
                // The stream ended without its end marker inside a call that passed: what was held goes out before the break.
                if (!committed)
                {
                    RelayOutput.CommitStream(context, request, time);
                    committed = true;
                }

                foreach (var waiting in held)
                {
                    WriteUpstreamEvent(request, output, waiting, ref lastSequence);
                }

                held.Clear();
            }

            if (!committed)
            {
                return AttemptResult.Fail(new UpstreamError(UpstreamErrorKind.ProtocolViolation, "The upstream ended the stream without sending anything."));
            }

            if (complete)
            {
                return AttemptResult.Answered;
            }

            brokenBecause = "the upstream ended the stream before its end marker";
        }

        if (!committed)
        {
            return AttemptResult.Fail(new UpstreamError(UpstreamErrorKind.ProtocolViolation, "The upstream broke the stream protocol: " + brokenBecause + "."));
        }

        // After the commit point the status line is gone: the failure is reported inside the protocol.
        Log.UpstreamStreamBroke(logger, request.Id, attempt.Target.ChannelName, brokenBecause);
        request.Outcome = UsageOutcome.UpstreamCutStream;
        var minimal = new CanonicalRequest { Origin = request.Protocol.Dialect, Model = request.Facts!.Model, Stream = true };
        var encoder = request.Protocol.Wire.CreateClosingEncoder(minimal, lastSequence, time);

        encoder.Fail(RelayOutput.StreamBroken(brokenBecause), output);
        await output.FlushAsync(clientAborted);
        return AttemptResult.Answered;
    }

    private static void WriteUpstreamEvent(RelayRequest request, System.IO.Pipelines.PipeWriter output, SseItem<byte[]> item, ref long? lastSequence)
    {
        RelayOutput.WriteEvent(output, item.EventType, item.Data);
        if (request.Protocol.Wire.TryReadSequenceNumber(item.Data, out long sequence))
        {
            lastSequence = sequence;
        }
    }

    /// <summary>
    /// Ends the answer at a stopped tool call: before the commit point with a clean 502 in the client's protocol, after it
    /// with the protocol's in-stream error (the call's held events are dropped, never written).
    /// </summary>
    private async Task<AttemptResult> RefuseToolCallAsync(HttpContext context, RelayRequest request, ToolCallRefusal refusal, bool committed, long? lastSequence)
    {
        if (!committed)
        {
            await RelayOutput.RefuseToolCallAsync(context, request, refusal, logger);
            return AttemptResult.Answered;
        }

        RelayOutput.RecordToolCallRefusal(request, refusal, logger);
        var output = context.Response.BodyWriter;
        var minimal = new CanonicalRequest { Origin = request.Protocol.Dialect, Model = request.Facts!.Model, Stream = true };
        var encoder = request.Protocol.Wire.CreateClosingEncoder(minimal, lastSequence, time);

        encoder.Fail(refusal.ToClientError(), output);
        await output.FlushAsync(context.RequestAborted);
        return AttemptResult.Answered;
    }

    private static string? NonEmpty(Microsoft.Extensions.Primitives.StringValues values)
    {
        string? value = values;
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }
}
