using System.Buffers;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Gemini;

/// <summary>
/// The Gemini API v1beta dialect (<c>models/{model}:generateContent</c>, <c>:streamGenerateContent</c>,
/// <c>:countTokens</c>): requests, answers, streams (SSE or JSON array) and errors, both ways.
/// </summary>
public sealed class GeminiCodec : IDialectCodec
{
    private GeminiCodec()
    {
    }

    public static GeminiCodec Instance { get; } = new();

    public WireDialectName Dialect => WireDialectName.Gemini;

    public bool TryInspect(ReadOnlySpan<byte> body, RequestContext context, out RequestFacts facts, out RequestParseError? parseError)
    {
        ArgumentNullException.ThrowIfNull(context);
        return GeminiRequestInspector.TryInspect(body, context, out facts, out parseError);
    }

    public bool TryDecodeRequest(ReadOnlyMemory<byte> body, RequestContext context, out CanonicalRequest request, out RequestParseError? parseError)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Json.DecodeGuard.RunRequest(body, (ReadOnlyMemory<byte> b, out CanonicalRequest r, out RequestParseError? e) =>
            GeminiRequestDecoder.TryDecode(b, context, out r, out e), out request, out parseError);
    }

    public EncodedRequest EncodeRequest(CanonicalRequest request, string upstreamModel) =>
        GeminiRequestEncoder.Encode(request, upstreamModel, countTokens: false);

    /// <summary>
    /// A <c>countTokens</c> body for a Gemini upstream: <c>{"generateContentRequest":{"model":"models/…", contents,
    /// systemInstruction, tools}}</c> (the form that counts system instructions and tools too).
    /// </summary>
    public static EncodedRequest EncodeCountTokensRequest(CanonicalRequest request, string upstreamModel) =>
        GeminiRequestEncoder.Encode(request, upstreamModel, countTokens: true);

    public bool TryDecodeResponse(ReadOnlySpan<byte> body, out CanonicalResponse response) =>
        GeminiResponseDecoder.TryDecode(body, out response);

    public void EncodeResponse(CanonicalResponse response, CanonicalRequest request, IBufferWriter<byte> output) =>
        GeminiResponseEncoder.Encode(response, output);

    public IStreamDecoder CreateStreamDecoder() => new GeminiStreamDecoder();

    /// <summary>An SSE stream encoder (the <c>alt=sse</c> form).</summary>
    public IStreamEncoder CreateStreamEncoder(CanonicalRequest request) => new GeminiStreamEncoder(sse: true, upstream: null);

    /// <summary>A stream encoder writing SSE (<paramref name="sse"/> true) or the JSON-array form.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Called through Instance by the server, beside the interface method.")]
    public IStreamEncoder CreateStreamEncoder(CanonicalRequest request, bool sse) => new GeminiStreamEncoder(sse, upstream: null);

    /// <summary>
    /// As <see cref="CreateStreamEncoder(CanonicalRequest, bool)"/>, knowing the upstream's dialect, so that opaque
    /// reasoning signatures are wrapped with the right origin (a lone signature could be Anthropic's or Gemini's).
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Called through Instance by the server, beside the interface method.")]
    public IStreamEncoder CreateStreamEncoder(CanonicalRequest request, bool sse, WireDialectName upstream) => new GeminiStreamEncoder(sse, upstream);

    public void WriteError(ClientError clientError, string requestId, IBufferWriter<byte> output) =>
        GeminiErrors.Write(clientError, requestId, output);

    public UpstreamErrorDetail? ReadError(ReadOnlySpan<byte> body) => GeminiErrors.Read(body);

    /// <summary>Writes a countTokens answer, <c>{"totalTokens":N}</c>.</summary>
    public static void WriteCountTokensResponse(long totalTokens, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, GeminiJson.WriterOptions);
        writer.WriteStartObject();
        writer.WriteNumber("totalTokens"u8, totalTokens);
        writer.WriteEndObject();
    }
}
