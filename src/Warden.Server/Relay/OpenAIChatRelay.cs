using System.Net.ServerSentEvents;
using Warden.Core.Canonical;
using Warden.Core.Dialects.OpenAIChat;
using Warden.Core.Providers;
using Warden.Core.Providers.OpenAI;
using Warden.Server.Pipeline;
using Warden.Server.Telemetry;
using Warden.Server.Usage;

namespace Warden.Server.Relay;

/// <summary>
/// Forwards a Chat Completions request to an OpenAI-compatible upstream and relays the answer as it comes.
/// </summary>
/// <remarks>
/// Same dialect on both sides, so nothing is re-serialised: each upstream event's data bytes are written to
/// the client as received, and a light tap reads only the model and usage.
/// <code>
/// :: Step 1  ask for stream usage (the one body change Warden makes, only on streams that did not ask)
/// :: Step 2  send; an upstream error here is an error response in OpenAI's shape (nothing sent yet)
/// :: Step 3  read the first event before committing, so a failure there is still a clean HTTP error
/// :: Step 4  COMMIT: status and headers go out with the first event; from here failures go inside the stream
/// :: Step 5  relay events, hiding the usage-only chunk from a client that did not ask for usage
/// :: Step 5a hold a tool call's chunks until its name is declared and its arguments are a JSON object, else stop the
///            answer (<see cref="ToolCallGuard"/>): a clean 502 before the commit point, the in-stream error chunk after it
/// :: Step 6  hold back the final [DONE] until the answer's usage record and receipt are committed (the pipeline sends it)
/// </code>
/// </remarks>
internal sealed class OpenAIChatRelay(UpstreamAdapter adapter, UpstreamBodies bodies, TimeProvider time, ILogger<OpenAIChatRelay> logger)
{
    /// <summary>The member that carries tool calls, in an answer and in a stream's chunks.</summary>
    private static readonly byte[] ToolCallsMember = "\"tool_calls\""u8.ToArray();

    public async Task<AttemptResult> AttemptAsync(HttpContext context, RelayRequest request, UpstreamAttempt attempt)
    {
        var info = request.Info!;
        var target = attempt.Target;

        // :: Step 1
        ReadOnlyMemory<byte> upstreamBody = request.Body;
        if (StreamUsageRequest.IsNeeded(info, target.Upstream.Profile))
        {
            upstreamBody = StreamUsageRequest.Apply(request.Body.Span, info);
            request.Changes.Add("added:stream_options.include_usage=true");
        }

        upstreamBody = bodies.Prepare(request, attempt, upstreamBody, request.Protocol.Dialect, modelInBody: true);

        // :: Step 2
        using var call = await adapter.SendAsync(target.Upstream, upstreamBody, info.Stream, attempt.Token);
        request.UpstreamRequestId = call.UpstreamRequestId;
        request.UpstreamConnection = call.Connection;
        request.UpstreamResponse = call.ResponseDigest;
        if (call.Error is { } error)
        {
            return AttemptResult.Fail(error);
        }

        attempt.HeadersReceived();
        var response = call.Response!;
        if (RelayOutput.StreamModeMismatch(response, info.Stream) is { } mismatch)
        {
            return AttemptResult.Fail(mismatch);
        }

        return info.Stream
            ? await RelayStreamAsync(context, request, response, hideUsageChunk: info.IncludeUsage != true, attempt)
            : await RelayJsonAsync(context, request, response, attempt);
    }

    private async Task<AttemptResult> RelayJsonAsync(HttpContext context, RelayRequest request, HttpResponseMessage response, UpstreamAttempt attempt)
    {
        var (body, readError) = await RelayOutput.ReadAnswerAsync(response, attempt);
        if (body is null)
        {
            return AttemptResult.Fail(readError!);
        }

        if (!ChatResponseReader.TryRead(body, out var facts) || facts.IsError)
        {
            return AttemptResult.Fail(new UpstreamError(UpstreamErrorKind.ProtocolViolation, "The upstream's response is not a valid chat completion."));
        }

        request.ServedModel = facts.Model;

        // The whole answer is decoded only when it has tool calls: a plain answer costs one search for the member's name.
        if (body.AsSpan().IndexOf(ToolCallsMember) >= 0
            && request.Protocol.Codec.TryDecodeResponse(body, out var answer)
            && ToolCallGuard.Check(answer, () => DeclaredTools.FromBody(request.Body.Span)) is { } refusal)
        {
            // The answer is replaced by an error; its usage is not billed, as the client received no answer.
            await RelayOutput.RefuseToolCallAsync(context, request, refusal, logger);
            return AttemptResult.Answered;
        }

        request.Usage = facts.Usage ?? Core.Chat.Usage.NotReported;

        // :: Step 4 (non-streamed: the whole body is known before anything is sent)
        await RelayOutput.WriteJsonAsync(context, request, time, body);
        return AttemptResult.Answered;
    }

    private async Task<AttemptResult> RelayStreamAsync(HttpContext context, RelayRequest request, HttpResponseMessage response, bool hideUsageChunk, UpstreamAttempt attempt)
    {
        var cancellationToken = attempt.Token;
        var clientAborted = context.RequestAborted;
        await using var upstream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var parser = SseParser.Create(upstream, static (_, data) => data.ToArray());
        await using var events = parser.EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var output = context.Response.BodyWriter;
        bool committed = false;
        string? brokenBecause = null;

        // :: Step 5a: tool calls are followed through the canonical decoder, started at the first chunk that has any, so
        // a stream without them pays one search per chunk; a call's chunks are held until it has passed the guard.
        IStreamDecoder? calls = null;
        var guard = new ToolCallGuard(() => DeclaredTools.FromBody(request.Body.Span));
        var decoded = new List<StreamEvent>(4);
        List<SseItem<byte[]>>? held = null;
        bool upstreamFailed = false;
        try
        {
            while (await RelayOutput.NextAsync(events, output, committed, clientAborted, attempt))
            {
                var item = events.Current;
                attempt.Touch();
                bool done = item.Data.AsSpan().SequenceEqual("[DONE]"u8);
                if (!done && (calls is not null || item.Data.AsSpan().IndexOf(ToolCallsMember) >= 0))
                {
                    calls ??= request.Protocol.Codec.CreateStreamDecoder();
                    decoded.Clear();
                    if (!calls.Decode(item.EventType, item.Data, decoded))
                    {
                        brokenBecause = "the upstream sent a tool call that breaks the protocol";
                        break;
                    }

                    foreach (var streamEvent in decoded)
                    {
                        if (!guard.Observe(streamEvent))
                        {
                            return await RefuseToolCallAsync(context, request, guard.Refusal!, committed);
                        }
                    }
                }

                if (!done)
                {
                    if (!ChatResponseReader.TryRead(item.Data, out var facts, identity: request.ServedModel is null))
                    {
                        brokenBecause = "the upstream sent an event that is not valid JSON";
                        break;
                    }

                    if (facts.IsError && !committed)
                    {
                        // :: Step 3: an error as the first event is still a clean HTTP error for the client.
                        var body = OpenAIErrorBody.TryRead(item.Data);
                        return AttemptResult.Fail(new UpstreamError(
                            UpstreamErrorKind.ServerError, "The upstream failed before sending any output" + (body?.Type is { } t ? $" ({t})." : ".")));
                    }

                    if (facts.IsError)
                    {
                        // Already in OpenAI's in-stream error shape: relayed as is, and the outcome says so (a tool call it
                        // cut short is dropped, below, not checked).
                        request.Outcome = UsageOutcome.UpstreamError;
                        upstreamFailed = true;
                    }

                    request.ServedModel ??= facts.Model;
                    if (facts.Usage is { } usage)
                    {
                        request.Usage = usage;
                    }

                    if (facts.HasFinish)
                    {
                        attempt.UpstreamFinished();
                    }

                    // :: Step 5
                    if (hideUsageChunk && facts.IsUsageOnlyChunk)
                    {
                        continue;
                    }
                }

                if (guard.Holding && !done && !upstreamFailed)
                {
                    // :: Step 5a: a tool call is open: its chunks wait, unsent, until its name and arguments have passed.
                    (held ??= []).Add(item);
                    continue;
                }

                if (!committed)
                {
                    // :: Step 4: the commit point. Before it, failures can still become clean error responses.
                    Commit(context, request);
                    committed = true;
                }

                if (held is { Count: > 0 })
                {
                    // The call passed (or the stream ended inside it: then its chunks are dropped).
                    if (!guard.Holding)
                    {
                        foreach (var waiting in held)
                        {
                            RelayOutput.WriteEvent(output, waiting.EventType, waiting.Data);
                        }
                    }

                    held.Clear();
                }

                if (done)
                {
                    // :: Step 6: the final event waits, unsent, until the answer's record and receipt are committed.
                    RelayOutput.HoldEnd(context);
                }

                RelayOutput.WriteEvent(output, item.EventType, item.Data);
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

        if (brokenBecause is null && calls is not null && !upstreamFailed)
        {
            // A call left open by the stream's end is checked like any other.
            decoded.Clear();
            calls.Complete(decoded);
            foreach (var streamEvent in decoded)
            {
                if (!guard.Observe(streamEvent))
                {
                    return await RefuseToolCallAsync(context, request, guard.Refusal!, committed);
                }
            }

            if (held is { Count: > 0 } && !guard.Holding)
            {
                if (!committed)
                {
                    Commit(context, request);
                    committed = true;
                }

                foreach (var waiting in held)
                {
                    RelayOutput.WriteEvent(output, waiting.EventType, waiting.Data);
                }

                held.Clear();
            }
        }

        if (brokenBecause is null)
        {
            // An upstream that sent nothing at all is not a valid stream either.
            return committed
                ? AttemptResult.Answered
                : AttemptResult.Fail(new UpstreamError(UpstreamErrorKind.ProtocolViolation, "The upstream ended the stream without sending anything."));
        }

        if (!committed)
        {
            return AttemptResult.Fail(new UpstreamError(UpstreamErrorKind.ProtocolViolation, "The upstream broke the stream protocol: " + brokenBecause + "."));
        }

        // After the commit point the status line is gone: the failure is reported inside the protocol.
        Log.UpstreamStreamBroke(logger, request.Id, attempt.Target.ChannelName, brokenBecause);
        request.Outcome = UsageOutcome.UpstreamCutStream;
        var errorChunk = OpenAIErrorWriterChunk(
            "The upstream provider's stream broke before it finished (" + brokenBecause + "); the answer above is incomplete.");
        RelayOutput.WriteEvent(output, SseParser.EventTypeDefault, errorChunk);
        await output.FlushAsync(clientAborted);
        return AttemptResult.Answered;
    }

    private void Commit(HttpContext context, RelayRequest request) => RelayOutput.CommitStream(context, request, time);

    /// <summary>
    /// Ends the answer at a stopped tool call: before the commit point with a clean 502 in OpenAI's shape, after it with
    /// OpenAI's in-stream error chunk (the call's held chunks are dropped, never written; no [DONE] follows).
    /// </summary>
    private async Task<AttemptResult> RefuseToolCallAsync(HttpContext context, RelayRequest request, ToolCallRefusal refusal, bool committed)
    {
        if (!committed)
        {
            await RelayOutput.RefuseToolCallAsync(context, request, refusal, logger);
            return AttemptResult.Answered;
        }

        RelayOutput.RecordToolCallRefusal(request, refusal, logger);
        var error = refusal.ToClientError();
        var output = context.Response.BodyWriter;
        RelayOutput.WriteEvent(output, SseParser.EventTypeDefault, OpenAIErrorWriter.ToBytes(error.Message, "upstream_error", null, error.Code));
        await output.FlushAsync(context.RequestAborted);
        return AttemptResult.Answered;
    }

    private static byte[] OpenAIErrorWriterChunk(string message) =>
        OpenAIErrorWriter.ToBytes(message, "upstream_error", null, "upstream_stream_broken");
}
