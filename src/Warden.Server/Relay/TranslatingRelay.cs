using System.Buffers;
using System.Net.ServerSentEvents;
using Warden.Core.Canonical;
using Warden.Core.Providers;
using Warden.Server.Pipeline;
using Warden.Server.Telemetry;
using Warden.Server.Usage;

namespace Warden.Server.Relay;

/// <summary>
/// Relays a call whose client and upstream speak different dialects, through the canonical model: the client's body
/// is decoded and re-encoded for the upstream (every difference declared in <see cref="RelayRequest.Changes"/>, or a
/// 400 naming the field that cannot be carried), and the answer is decoded into canonical events and encoded for
/// the client as it streams.
/// </summary>
/// <remarks>
/// <code>
/// :: Step 1  decode the client's request; encode it for the upstream's dialect (or refuse, naming the field)
/// :: Step 2  send; an upstream error here is an error response in the client's protocol (nothing sent yet)
/// :: Step 3  decode the first upstream event before committing, so a failure there is still a clean HTTP error
/// :: Step 4  COMMIT: status and headers go out with the first translated bytes
/// :: Step 5a hold a tool call's translation until its name is declared and its arguments are a JSON object, else stop the
///            answer (<see cref="ToolCallGuard"/>): a clean 502 before the commit point, the in-stream error after it
/// :: Step 5  translate event by event (no buffering); the end or a failure is written in the client's protocol; the
///            end waits, unsent, until the answer's record and receipt are committed (the pipeline sends it)
/// </code>
/// </remarks>
internal sealed class TranslatingRelay(UpstreamAdapter adapter, UpstreamBodies bodies, TimeProvider time, ILogger<TranslatingRelay> logger)
{
    public async Task<AttemptResult> AttemptAsync(HttpContext context, RelayRequest request, UpstreamAttempt attempt)
    {
        var target = attempt.Target;

        // :: Step 1 (a request a residency rule masks for this destination is already decoded, its values replaced)
        CanonicalRequest? canonical = request.AttemptMasking?.Request;
        if (canonical is null && !request.Protocol.Codec.TryDecodeRequest(request.Body, request.Context, out canonical, out var parseError))
        {
            await RelayOutput.RefuseAsync(context, request, parseError!);
            return AttemptResult.Answered;
        }

        var upstreamCodec = DialectCodecs.For(target.Upstream.Profile.Dialect);
        var encoded = upstreamCodec.EncodeRequest(canonical, attempt.UpstreamModel);
        if (encoded.Error is { } refusal)
        {
            await RelayOutput.RefuseAsync(context, request, refusal);
            return AttemptResult.Answered;
        }

        request.Changes.AddRange(encoded.Changes);

        // :: Step 2
        var body = bodies.Prepare(request, attempt, encoded.Body, target.Upstream.Profile.Dialect, modelInBody: false);
        var upstreamRequest = new UpstreamRequest(UpstreamOperation.Generate, attempt.UpstreamModel, body, canonical.Stream);
        using var call = await adapter.SendAsync(target.Upstream, upstreamRequest, attempt.Token);
        request.UpstreamRequestId = call.UpstreamRequestId;
        request.UpstreamConnection = call.Connection;
        request.UpstreamResponse = call.ResponseDigest;
        if (call.Error is { } error)
        {
            return AttemptResult.Fail(error);
        }

        attempt.HeadersReceived();
        var response = call.Response!;
        if (RelayOutput.StreamModeMismatch(response, canonical.Stream) is { } mismatch)
        {
            return AttemptResult.Fail(mismatch);
        }

        return canonical.Stream
            ? await RelayStreamAsync(context, request, canonical, upstreamCodec, response, attempt)
            : await RelayJsonAsync(context, request, canonical, upstreamCodec, response, attempt);
    }

    private async Task<AttemptResult> RelayJsonAsync(HttpContext context, RelayRequest request, CanonicalRequest canonical, IDialectCodec upstreamCodec, HttpResponseMessage response, UpstreamAttempt attempt)
    {
        var (body, readError) = await RelayOutput.ReadAnswerAsync(response, attempt);
        if (body is null)
        {
            return AttemptResult.Fail(readError!);
        }

        if (!upstreamCodec.TryDecodeResponse(body, out var answer))
        {
            return AttemptResult.Fail(new UpstreamError(UpstreamErrorKind.ProtocolViolation, "The upstream's response is not a valid answer of its protocol."));
        }

        request.ServedModel = answer.Model;
        if (ToolCallGuard.Check(answer, () => DeclaredTools.From(canonical)) is { } refusal)
        {
            // The answer is replaced by an error; its usage is not billed, as the client received no answer.
            await RelayOutput.RefuseToolCallAsync(context, request, refusal, logger);
            return AttemptResult.Answered;
        }

        request.Usage = answer.Usage;
        if (request.AttemptMasking is { Masked: true } masking)
        {
            answer = new AnswerUnmasker(masking.Map).Restore(answer);
        }

        var translated = new ArrayBufferWriter<byte>(body.Length + 256);
        request.Protocol.Codec.EncodeResponse(answer, canonical, translated);

        // :: Step 4 (non-streamed: the whole body is known before anything is sent)
        await RelayOutput.WriteJsonAsync(context, request, time, translated.WrittenMemory);
        return AttemptResult.Answered;
    }

    private async Task<AttemptResult> RelayStreamAsync(HttpContext context, RelayRequest request, CanonicalRequest canonical, IDialectCodec upstreamCodec, HttpResponseMessage response, UpstreamAttempt attempt)
    {
        var cancellationToken = attempt.Token;
        var clientAborted = context.RequestAborted;
        var decoder = upstreamCodec.CreateStreamDecoder();
        bool geminiSse = request.Context.GeminiSse ?? true;
        var encoder = request.Protocol.CreateStreamEncoder(canonical, geminiSse, attempt.Target.Upstream.Profile.Dialect, time);
        var events = new List<StreamEvent>(8);
        await using var upstream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var parser = SseParser.Create(upstream, static (_, data) => data.ToArray());
        await using var items = parser.EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var output = context.Response.BodyWriter;

        // The encoder writes each upstream event's translation here, and it goes to the response in one piece: one
        // write through the response's hash and Kestrel's output instead of one per piece of every SSE event.
        var encoded = new EncodedEvents(output);
        var guard = new ToolCallGuard(() => DeclaredTools.From(canonical));

        // The events to encode now, and those of a tool call that has not yet passed the guard (:: Step 5a).
        var ready = new List<StreamEvent>(8);
        List<StreamEvent>? held = null;
        var unmasker = request.AttemptMasking is { Masked: true } masking ? new AnswerUnmasker(masking.Map) : null;
        bool committed = false;
        string? brokenBecause = null;
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

                if (events.Count == 0)
                {
                    continue;
                }

                StreamFailed? failed = null;
                ready.Clear();
                foreach (var streamEvent in events)
                {
                    RelayOutput.Tap(request, streamEvent, attempt);
                    failed ??= streamEvent as StreamFailed;
                    if (!Sort(streamEvent, guard, ready, ref held))
                    {
                        // :: Step 5a: a tool call the client did not offer; none of it was encoded or written.
                        return await RefuseToolCallAsync(context, request, guard.Refusal!, committed, encoder, encoded);
                    }
                }

                if (failed is not null && !committed)
                {
                    // :: Step 3
                    return AttemptResult.Fail(new UpstreamError(failed.Kind, "The upstream failed before sending any output: " + failed.Message));
                }

                if (ready.Count == 0)
                {
                    // Everything is held (a tool call is open), or there was nothing to write.
                    continue;
                }

                if (!committed)
                {
                    // :: Step 4
                    RelayOutput.CommitStream(context, request, time, request.Protocol.Wire.StreamContentType(geminiSse));
                    committed = true;
                }

                // :: Step 5 (masked values restored first; the usage tap above saw the upstream's own events)
                unmasker?.Restore(ready);
                foreach (var streamEvent in ready)
                {
                    if (streamEvent is StreamFailed inStream)
                    {
                        request.Outcome = UsageOutcome.UpstreamError;
                        encoder.Fail(RelayOutput.InStreamFailure(inStream), encoded.Buffer);
                        encoded.MoveToOutput();
                        await output.FlushAsync(clientAborted);
                        return AttemptResult.Answered;
                    }

                    if (streamEvent is MessageFinished)
                    {
                        // The end begins: it waits, unsent, until the answer's record and receipt are committed.
                        encoded.MoveToOutput();
                        RelayOutput.HoldEnd(context);
                    }

                    encoder.Write(streamEvent, encoded.Buffer);
                }

                encoded.MoveToOutput();
                attempt.Touch();
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
            ready.Clear();
            foreach (var streamEvent in events)
            {
                RelayOutput.Tap(request, streamEvent);
                if (!Sort(streamEvent, guard, ready, ref held))
                {
                    // A call left open by the stream's end is checked like any other.
                    return await RefuseToolCallAsync(context, request, guard.Refusal!, committed, encoder, encoded);
                }
            }

            if (!committed && ready.Count > 0)
            {
                // A tool call that opened the answer passed only now, at the stream's end.
                RelayOutput.CommitStream(context, request, time, request.Protocol.Wire.StreamContentType(geminiSse));
                committed = true;
            }

            if (!committed)
            {
                return AttemptResult.Fail(new UpstreamError(UpstreamErrorKind.ProtocolViolation, "The upstream ended the stream without sending anything."));
            }

            // The end (the dialect's closing events) waits, unsent, until the answer's record and receipt are committed.
            RelayOutput.HoldEnd(context);
            unmasker?.Restore(ready);
            foreach (var streamEvent in ready)
            {
                encoder.Write(streamEvent, encoded.Buffer);
            }

            if (complete)
            {
                encoder.Complete(encoded.Buffer);
                encoded.MoveToOutput();
                await output.FlushAsync(clientAborted);
                return AttemptResult.Answered;
            }

            brokenBecause = "the upstream ended the stream before its end marker";
        }

        if (!committed)
        {
            return AttemptResult.Fail(new UpstreamError(UpstreamErrorKind.ProtocolViolation, "The upstream broke the stream protocol: " + brokenBecause + "."));
        }

        Log.UpstreamStreamBroke(logger, request.Id, attempt.Target.ChannelName, brokenBecause);
        request.Outcome = UsageOutcome.UpstreamCutStream;
        encoder.Fail(RelayOutput.StreamBroken(brokenBecause), encoded.Buffer);
        encoded.MoveToOutput();
        await output.FlushAsync(clientAborted);
        return AttemptResult.Answered;
    }

    /// <summary>
    /// Puts one observed event where it belongs: with the events to encode now, or, while a tool call is open, with the
    /// call's held events, which join the events to encode when the call's block stops and the call has passed. An
    /// upstream failure inside a call drops the call's events. False when the guard stops the answer.
    /// </summary>
    private static bool Sort(StreamEvent streamEvent, ToolCallGuard guard, List<StreamEvent> ready, ref List<StreamEvent>? held)
    {
        if (!guard.Observe(streamEvent))
        {
            return false;
        }

        if (streamEvent is StreamFailed)
        {
            held?.Clear();
            ready.Add(streamEvent);
        }
        else if (guard.Holding)
        {
            (held ??= []).Add(streamEvent);
        }
        else if (held is { Count: > 0 })
        {
            held.Add(streamEvent);
            ready.AddRange(held);
            held.Clear();
        }
        else
        {
            ready.Add(streamEvent);
        }

        return true;
    }

    /// <summary>
    /// Ends the answer at a stopped tool call: before the commit point with a clean 502 in the client's protocol, after it
    /// with the protocol's in-stream error; the call's held translation is dropped, never written.
    /// </summary>
    private async Task<AttemptResult> RefuseToolCallAsync(HttpContext context, RelayRequest request, ToolCallRefusal refusal, bool committed, IStreamEncoder encoder, EncodedEvents encoded)
    {
        if (!committed)
        {
            await RelayOutput.RefuseToolCallAsync(context, request, refusal, logger);
            return AttemptResult.Answered;
        }

        RelayOutput.RecordToolCallRefusal(request, refusal, logger);
        encoder.Fail(refusal.ToClientError(), encoded.Buffer);
        encoded.MoveToOutput();
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
        return AttemptResult.Answered;
    }
}
