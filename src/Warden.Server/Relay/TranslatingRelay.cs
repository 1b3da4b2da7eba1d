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
/// :: Step 5  translate event by event (no buffering); the end or a failure is written in the client's protocol
/// </code>
/// </remarks>
internal sealed class TranslatingRelay(UpstreamAdapter adapter, TimeProvider time, ILogger<TranslatingRelay> logger)
{
    public async Task ForwardAsync(HttpContext context, RelayRequest request)
    {
        var cancellationToken = context.RequestAborted;
        var target = request.Target!;

        // :: Step 1
        if (!request.Protocol.Codec.TryDecodeRequest(request.Body, request.Context, out var canonical, out var parseError))
        {
            await RelayOutput.RefuseAsync(context, request, parseError!);
            return;
        }

        var upstreamCodec = DialectCodecs.For(target.Upstream.Profile.Dialect);
        var encoded = upstreamCodec.EncodeRequest(canonical, request.Facts!.Model);
        if (encoded.Error is { } refusal)
        {
            await RelayOutput.RefuseAsync(context, request, refusal);
            return;
        }

        request.Changes.AddRange(encoded.Changes);

        // :: Step 2
        var upstreamRequest = new UpstreamRequest(UpstreamOperation.Generate, request.Facts.Model, encoded.Body, canonical.Stream);
        request.UpstreamRequestSha256 = Core.Trust.ReceiptJson.Sha256Hex(encoded.Body.Span);
        using var call = await adapter.SendAsync(target.Upstream, upstreamRequest, cancellationToken);
        request.UpstreamRequestId = call.UpstreamRequestId;
        if (call.Error is { } error)
        {
            await RelayOutput.FailBeforeCommitAsync(context, request, error, logger);
            return;
        }

        var response = call.Response!;
        if (RelayOutput.StreamModeMismatch(response, canonical.Stream) is { } mismatch)
        {
            await RelayOutput.FailBeforeCommitAsync(context, request, mismatch, logger);
            return;
        }

        if (canonical.Stream)
        {
            await RelayStreamAsync(context, request, canonical, upstreamCodec, response, cancellationToken);
        }
        else
        {
            await RelayJsonAsync(context, request, canonical, upstreamCodec, response, cancellationToken);
        }
    }

    private async Task RelayJsonAsync(HttpContext context, RelayRequest request, CanonicalRequest canonical, IDialectCodec upstreamCodec, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var (body, readError) = await RelayOutput.ReadAnswerAsync(response, cancellationToken);
        if (body is null)
        {
            await RelayOutput.FailBeforeCommitAsync(context, request, readError!, logger);
            return;
        }

        if (!upstreamCodec.TryDecodeResponse(body, out var answer))
        {
            await RelayOutput.FailBeforeCommitAsync(context, request, new UpstreamError(UpstreamErrorKind.ProtocolViolation, "The upstream's response is not a valid answer of its protocol."), logger);
            return;
        }

        request.ServedModel = answer.Model;
        request.Usage = answer.Usage;
        var translated = new ArrayBufferWriter<byte>(body.Length + 256);
        request.Protocol.Codec.EncodeResponse(answer, canonical, translated);

        // :: Step 4 (non-streamed: the whole body is known before anything is sent)
        await RelayOutput.WriteJsonAsync(context, request, time, translated.WrittenMemory);
    }

    private async Task RelayStreamAsync(HttpContext context, RelayRequest request, CanonicalRequest canonical, IDialectCodec upstreamCodec, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var decoder = upstreamCodec.CreateStreamDecoder();
        bool geminiSse = request.Context.GeminiSse ?? true;
        var encoder = request.Protocol.CreateStreamEncoder(canonical, geminiSse, request.Target!.Upstream.Profile.Dialect, time);
        var events = new List<StreamEvent>(8);
        await using var upstream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var parser = SseParser.Create(upstream, static (_, data) => data.ToArray());
        await using var items = parser.EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var output = context.Response.BodyWriter;
        bool committed = false;
        string? brokenBecause = null;
        try
        {
            while (await items.MoveNextAsync())
            {
                var item = items.Current;
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
                foreach (var streamEvent in events)
                {
                    RelayOutput.Tap(request, streamEvent);
                    failed ??= streamEvent as StreamFailed;
                }

                if (failed is not null && !committed)
                {
                    // :: Step 3
                    await RelayOutput.FailBeforeCommitAsync(context, request, new UpstreamError(failed.Kind, "The upstream failed before sending any output: " + failed.Message), logger);
                    return;
                }

                if (!committed)
                {
                    // :: Step 4
                    RelayOutput.CommitStream(context, request, time, geminiSse || request.Protocol.Dialect != WireDialectName.Gemini ? "text/event-stream" : "application/json");
                    committed = true;
                }

                // :: Step 5
                foreach (var streamEvent in events)
                {
                    if (streamEvent is StreamFailed inStream)
                    {
                        request.Outcome = UsageOutcome.UpstreamError;
                        encoder.Fail(RelayOutput.InStreamFailure(inStream), output);
                        await output.FlushAsync(cancellationToken);
                        return;
                    }

                    encoder.Write(streamEvent, output);
                }

                await output.FlushAsync(cancellationToken);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            brokenBecause = "the upstream closed the stream before it finished";
        }

        if (brokenBecause is null)
        {
            events.Clear();
            bool complete = decoder.Complete(events);
            if (!committed)
            {
                await RelayOutput.FailBeforeCommitAsync(context, request, new UpstreamError(UpstreamErrorKind.ProtocolViolation, "The upstream ended the stream without sending anything."), logger);
                return;
            }

            foreach (var streamEvent in events)
            {
                RelayOutput.Tap(request, streamEvent);
                encoder.Write(streamEvent, output);
            }

            if (complete)
            {
                encoder.Complete(output);
                await output.FlushAsync(cancellationToken);
                return;
            }

            brokenBecause = "the upstream ended the stream before its end marker";
        }

        if (!committed)
        {
            await RelayOutput.FailBeforeCommitAsync(context, request, new UpstreamError(UpstreamErrorKind.ProtocolViolation, "The upstream broke the stream protocol: " + brokenBecause + "."), logger);
            return;
        }

        Log.UpstreamStreamBroke(logger, request.Id, request.Target!.ChannelName, brokenBecause);
        request.Outcome = UsageOutcome.UpstreamCutStream;
        encoder.Fail(RelayOutput.StreamBroken(brokenBecause), output);
        await output.FlushAsync(cancellationToken);
    }
}
