using System.Net.ServerSentEvents;
using Warden.Core.Canonical;
using Warden.Core.Dialects.Responses;
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
/// :: Step 6  hold back the end, from the event that finishes the message, until the record and receipt are committed
/// </code>
/// </remarks>
internal sealed class PassThroughRelay(UpstreamAdapter adapter, UpstreamBodies bodies, TimeProvider time, ILogger<PassThroughRelay> logger)
{
    public async Task<AttemptResult> AttemptAsync(HttpContext context, RelayRequest request, UpstreamAttempt attempt)
    {
        var facts = request.Facts!;
        bool anthropic = request.Protocol.Dialect == WireDialectName.Anthropic;

        // :: Step 1
        var body = bodies.Prepare(request, attempt, request.Body, request.Protocol.Dialect, modelInBody: request.Protocol.Dialect != WireDialectName.Gemini);
        var upstreamRequest = new UpstreamRequest(
            UpstreamOperation.Generate, attempt.UpstreamModel, body, facts.Stream,
            anthropic ? NonEmpty(context.Request.Headers["anthropic-version"]) : null,
            anthropic ? NonEmpty(context.Request.Headers["anthropic-beta"]) : null);
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
                foreach (var streamEvent in events)
                {
                    RelayOutput.Tap(request, streamEvent, attempt);
                    failed ??= streamEvent as StreamFailed;
                    finishing |= streamEvent is MessageFinished;
                }

                if (failed is not null && !committed)
                {
                    // :: Step 3: an error as the first event is still a clean HTTP error for the client.
                    return AttemptResult.Fail(new UpstreamError(failed.Kind, "The upstream failed before sending any output: " + failed.Message));
                }

                if (!committed)
                {
                    // :: Step 4: the commit point.
                    RelayOutput.CommitStream(context, request, time);
                    committed = true;
                }

                if (finishing)
                {
                    // :: Step 6: the event that finishes the message (Anthropic message_delta, Responses response.completed,
                    // Gemini's chunk with finishReason) and what follows wait, unsent, until the answer's record and receipt
                    // are committed.
                    RelayOutput.HoldEnd(context);
                }

                // :: Step 5: the upstream's own event, as received (an in-stream error included).
                RelayOutput.WriteEvent(output, item.EventType, item.Data);
                if (request.Protocol.Dialect == WireDialectName.Responses && ResponsesStreamEncoder.TryReadSequenceNumber(item.Data, out long sequence))
                {
                    lastSequence = sequence;
                }

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
            foreach (var streamEvent in events)
            {
                RelayOutput.Tap(request, streamEvent);
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
        var encoder = request.Protocol.CreateStreamEncoder(minimal, geminiSse: true, request.Protocol.Dialect, time);
        if (encoder is ResponsesStreamEncoder responses && lastSequence is { } last)
        {
            // Responses events are numbered; Warden's closing event follows the upstream's last number.
            responses.ContinueAfter(last);
        }

        encoder.Fail(RelayOutput.StreamBroken(brokenBecause), output);
        await output.FlushAsync(clientAborted);
        return AttemptResult.Answered;
    }

    private static string? NonEmpty(Microsoft.Extensions.Primitives.StringValues values)
    {
        string? value = values;
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }
}
