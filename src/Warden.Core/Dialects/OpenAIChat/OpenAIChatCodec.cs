using System.Buffers;
using Warden.Core.Canonical;
using Warden.Core.Providers.OpenAI;

namespace Warden.Core.Dialects.OpenAIChat;

/// <summary>
/// The OpenAI Chat Completions dialect (<c>POST /v1/chat/completions</c>, and every OpenAI-compatible vendor), for
/// translation: decoding client requests, encoding upstream requests, both directions of answers, streams and errors.
/// The pass-through fast path uses <see cref="ChatRequestInspector"/> (wrapped by <see cref="TryInspect"/>).
/// </summary>
public sealed class OpenAIChatCodec : IDialectCodec
{
    private readonly TimeProvider _time;

    /// <param name="time">The clock for <c>created</c> when the upstream gave no creation time.</param>
    public OpenAIChatCodec(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
    }

    public static OpenAIChatCodec Instance { get; } = new(TimeProvider.System);

    public WireDialectName Dialect => WireDialectName.OpenAIChat;

    public bool TryInspect(ReadOnlySpan<byte> body, RequestContext context, out RequestFacts facts, out RequestParseError? parseError)
    {
        facts = null!;
        if (!ChatRequestInspector.TryInspect(body, out var info, out parseError))
        {
            return false;
        }

        facts = new RequestFacts(info!.Model, info.Stream, info.MaxOutputTokens, info.IncludeUsage);
        return true;
    }

    public bool TryDecodeRequest(ReadOnlyMemory<byte> body, RequestContext context, out CanonicalRequest request, out RequestParseError? parseError) =>
        Json.DecodeGuard.RunRequest(body, ChatRequestDecoder.TryDecode, out request, out parseError);

    public EncodedRequest EncodeRequest(CanonicalRequest request, string upstreamModel) => ChatRequestEncoder.Encode(request, upstreamModel);

    public bool TryDecodeResponse(ReadOnlySpan<byte> body, out CanonicalResponse response) => ChatResponseDecoder.TryDecode(body, out response);

    public void EncodeResponse(CanonicalResponse response, CanonicalRequest request, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(request);
        ChatResponseEncoder.Encode(response, request, _time.GetUtcNow().ToUnixTimeSeconds(), output);
    }

    public IStreamDecoder CreateStreamDecoder() => new ChatStreamDecoder();

    public IStreamEncoder CreateStreamEncoder(CanonicalRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new ChatStreamEncoder(request, _time.GetUtcNow().ToUnixTimeSeconds());
    }

    /// <summary>Writes <c>{"error":{message,type,param,code}}</c>; Chat's error has no request id member (the server sends it as a header).</summary>
    public void WriteError(ClientError clientError, string requestId, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(clientError);
        OpenAIErrorWriter.Write(output, clientError.Message, ChatErrors.TypeOf(clientError), clientError.Param, clientError.Code);
    }

    public UpstreamErrorDetail? ReadError(ReadOnlySpan<byte> body) =>
        OpenAIErrorBody.TryRead(body) is { } error ? new UpstreamErrorDetail(error.Message, error.Type, error.Param, error.Code) : null;
}
