using System.Buffers;
using Warden.Core.Dialects;

namespace Warden.Core.Canonical;

/// <summary>
/// Everything Warden knows about one wire dialect, as pure functions and per-stream state machines: decoding what
/// a client sends, encoding what an upstream receives, and both directions for answers and errors. No HTTP here;
/// the server's endpoints and the upstream adapter use these.
/// </summary>
public interface IDialectCodec
{
    WireDialectName Dialect { get; }

    /// <summary>
    /// The fast path: reads only what routing and metering need (model, stream, max output tokens, include_usage)
    /// in one forward pass with Utf8JsonReader, validating that the whole body is well-formed UTF-8 JSON with an
    /// object at the top. Used when the client and the upstream speak the same dialect and bytes pass through.
    /// </summary>
    bool TryInspect(ReadOnlySpan<byte> body, RequestContext context, out RequestFacts facts, out RequestParseError? parseError);

    /// <summary>
    /// Decodes a client's request body. <paramref name="context"/> carries what the dialect puts outside the body
    /// (Gemini's model and stream flag are in the URL). Returns false with a precise error (naming the field) on
    /// bad input.
    /// </summary>
    bool TryDecodeRequest(ReadOnlyMemory<byte> body, RequestContext context, out CanonicalRequest request, out RequestParseError? parseError);

    /// <summary>
    /// Encodes a canonical request for an upstream of this dialect. Returns the body and the list of fields left
    /// out by declared rule, or an error naming the field that cannot be expressed (a 400 for the client).
    /// </summary>
    EncodedRequest EncodeRequest(CanonicalRequest request, string upstreamModel);

    /// <summary>Decodes an upstream's non-streamed answer; false when it is not a valid answer of this dialect.</summary>
    bool TryDecodeResponse(ReadOnlySpan<byte> body, out CanonicalResponse response);

    /// <summary>Encodes a complete answer for a client of this dialect.</summary>
    void EncodeResponse(CanonicalResponse response, CanonicalRequest request, IBufferWriter<byte> output);

    IStreamDecoder CreateStreamDecoder();

    /// <summary>A stream encoder for one answer to <paramref name="request"/> (it needs e.g. include_usage, the requested model).</summary>
    IStreamEncoder CreateStreamEncoder(CanonicalRequest request);

    /// <summary>Writes a client error as this dialect's error JSON, with the request id where the dialect has a place for it.</summary>
    void WriteError(ClientError clientError, string requestId, IBufferWriter<byte> output);

    /// <summary>Reads an upstream error body of this dialect: message, type/status, param, code. Null when unreadable.</summary>
    UpstreamErrorDetail? ReadError(ReadOnlySpan<byte> body);
}

/// <summary>The few facts about a request that routing, limits and metering need.</summary>
/// <param name="Model">The requested model (for Gemini, from the path).</param>
/// <param name="Stream">Whether the client asked for a stream.</param>
/// <param name="MaxOutputTokens">The client's output cap, when given.</param>
/// <param name="IncludeUsage">OpenAI Chat's stream_options.include_usage; null when absent or not applicable.</param>
public sealed record RequestFacts(string Model, bool Stream, long? MaxOutputTokens, bool? IncludeUsage);

/// <summary>What a dialect carries outside the request body.</summary>
/// <param name="ModelFromPath">Gemini: the model in the URL path.</param>
/// <param name="StreamFromPath">Gemini: streamGenerateContent rather than generateContent.</param>
/// <param name="GeminiSse">Gemini streams: true with <c>alt=sse</c>, false for the JSON-array form.</param>
public sealed record RequestContext(string? ModelFromPath = null, bool? StreamFromPath = null, bool? GeminiSse = null)
{
    public static RequestContext Empty { get; } = new();
}

/// <summary>An encoded upstream request, or why there cannot be one.</summary>
/// <param name="Body">The JSON body; empty when <paramref name="Error"/> is set.</param>
/// <param name="Changes">
/// Declared differences between what the client sent and this body, for receipts and logs: "left_out:dialect.field"
/// for a field left out by a rule in <see cref="TranslationRules"/>, "added:field=value" for a value the upstream
/// requires that the client did not give (Anthropic's max_tokens, say).
/// </param>
/// <param name="Error">The field that cannot be expressed for this upstream.</param>
public sealed record EncodedRequest(ReadOnlyMemory<byte> Body, IReadOnlyList<string> Changes, RequestParseError? Error)
{
    public static EncodedRequest Refused(string message, string param) => new(ReadOnlyMemory<byte>.Empty, [], new RequestParseError(message, param));
}

/// <summary>The readable parts of an upstream error body.</summary>
public sealed record UpstreamErrorDetail(string? Message, string? Type, string? Param, string? Code);
