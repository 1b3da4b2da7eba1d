using System.Buffers;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Responses;

/// <summary>
/// The OpenAI Responses dialect (<c>POST /v1/responses</c>, what Codex speaks): requests, answers, streams and
/// errors both ways, each done by one focused class in this folder.
/// </summary>
public sealed class ResponsesCodec : IDialectCodec
{
    public static ResponsesCodec Instance { get; } = new();

    public WireDialectName Dialect => WireDialectName.Responses;

    public bool TryInspect(ReadOnlySpan<byte> body, RequestContext context, out RequestFacts facts, out RequestParseError? parseError) =>
        ResponsesRequestInspector.TryInspect(body, out facts, out parseError);

    public bool TryDecodeRequest(ReadOnlyMemory<byte> body, RequestContext context, out CanonicalRequest request, out RequestParseError? parseError) =>
        Json.DecodeGuard.RunRequest(body, ResponsesRequestDecoder.TryDecode, out request, out parseError);

    public EncodedRequest EncodeRequest(CanonicalRequest request, string upstreamModel) =>
        ResponsesRequestEncoder.Encode(request, upstreamModel);

    public bool TryDecodeResponse(ReadOnlySpan<byte> body, out CanonicalResponse response) =>
        ResponsesResponseDecoder.TryDecode(body, out response);

    public void EncodeResponse(CanonicalResponse response, CanonicalRequest request, IBufferWriter<byte> output) =>
        ResponsesResponseEncoder.Encode(response, request, output);

    public IStreamDecoder CreateStreamDecoder() => new ResponsesStreamDecoder();

    public IStreamEncoder CreateStreamEncoder(CanonicalRequest request) => new ResponsesStreamEncoder(request);

    /// <summary>
    /// A stream encoder that knows the upstream's dialect, so reasoning signatures from it are wrapped with the right
    /// origin (prefer this overload when the relay knows the upstream).
    /// </summary>
#pragma warning disable CA1822 // An instance member beside CreateStreamEncoder(request), so callers find both on the codec.
    public IStreamEncoder CreateStreamEncoder(CanonicalRequest request, WireDialectName upstreamDialect, TimeProvider? timeProvider = null) =>
        new ResponsesStreamEncoder(request, upstreamDialect, timeProvider);
#pragma warning restore CA1822

    public void WriteError(ClientError clientError, string requestId, IBufferWriter<byte> output) =>
        ResponsesErrors.Write(clientError, output);

    public UpstreamErrorDetail? ReadError(ReadOnlySpan<byte> body) => ResponsesErrors.Read(body);
}
