using System.Buffers;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Anthropic;

/// <summary>
/// The Anthropic Messages dialect (<c>POST /v1/messages</c> and <c>/v1/messages/count_tokens</c>): decoding client
/// requests, encoding upstream requests, both directions of answers, streams and errors. Each direction lives in its
/// own class in this folder; this type only puts them behind <see cref="IDialectCodec"/>.
/// </summary>
public sealed class AnthropicCodec : IDialectCodec
{
    /// <summary>The max_tokens sent to an Anthropic upstream when the client (of another dialect) set no output cap.</summary>
    public const long DefaultMaxTokens = 8192;

    public static AnthropicCodec Instance { get; } = new();

    public WireDialectName Dialect => WireDialectName.Anthropic;

    public bool TryInspect(ReadOnlySpan<byte> body, RequestContext context, out RequestFacts facts, out RequestParseError? parseError) =>
        AnthropicRequestInspector.TryInspect(body, out facts, out parseError);

    public bool TryDecodeRequest(ReadOnlyMemory<byte> body, RequestContext context, out CanonicalRequest request, out RequestParseError? parseError) =>
        Json.DecodeGuard.RunRequest(body, static (ReadOnlyMemory<byte> b, out CanonicalRequest r, out RequestParseError? e) =>
            AnthropicRequestDecoder.TryDecode(b, requireMaxTokens: true, out r, out e), out request, out parseError);

    /// <summary>Decodes a count_tokens body: like a Messages body, but max_tokens is not required.</summary>
    public static bool TryDecodeCountTokensRequest(ReadOnlyMemory<byte> body, out CanonicalRequest request, out RequestParseError? parseError) =>
        AnthropicRequestDecoder.TryDecode(body, requireMaxTokens: false, out request, out parseError);

    public EncodedRequest EncodeRequest(CanonicalRequest request, string upstreamModel) =>
        AnthropicRequestEncoder.Encode(request, upstreamModel, countTokens: false);

    /// <summary>Builds an Anthropic count_tokens body (model, system, messages, tools, tool_choice, thinking) from any request.</summary>
    public static EncodedRequest EncodeCountTokensRequest(CanonicalRequest request, string upstreamModel) =>
        AnthropicRequestEncoder.Encode(request, upstreamModel, countTokens: true);

    /// <summary>Writes Anthropic's count_tokens answer, <c>{"input_tokens":N}</c>.</summary>
    public static void WriteCountTokensResponse(long inputTokens, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, AnthropicJson.WriterOptions);
        writer.WriteStartObject();
        writer.WriteNumber("input_tokens"u8, inputTokens);
        writer.WriteEndObject();
    }

    public bool TryDecodeResponse(ReadOnlySpan<byte> body, out CanonicalResponse response) =>
        AnthropicResponseDecoder.TryDecode(body, out response);

    public void EncodeResponse(CanonicalResponse response, CanonicalRequest request, IBufferWriter<byte> output) =>
        AnthropicResponseEncoder.Encode(response, output);

    public IStreamDecoder CreateStreamDecoder() => new AnthropicStreamDecoder();

    /// <summary>
    /// A stream encoder for a client of this dialect. The upstream's dialect is recognised from the message id; use
    /// the overload with the dialect when the caller knows it (it decides whose reasoning signatures are passed as they are).
    /// </summary>
    public IStreamEncoder CreateStreamEncoder(CanonicalRequest request) => new AnthropicStreamEncoder(request, null);

    /// <summary>A stream encoder for events that come from an upstream of <paramref name="upstreamDialect"/>.</summary>
    public static IStreamEncoder CreateStreamEncoder(CanonicalRequest request, WireDialectName upstreamDialect) => new AnthropicStreamEncoder(request, upstreamDialect);

    public void WriteError(ClientError clientError, string requestId, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(clientError);
        AnthropicErrors.Write(AnthropicErrors.TypeOf(clientError.Kind), clientError.Message, requestId, output);
    }

    public UpstreamErrorDetail? ReadError(ReadOnlySpan<byte> body) => AnthropicErrors.Read(body);
}
