using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Providers;

namespace Warden.Core.Dialects;

/// <summary>
/// Everything Warden knows about one wire dialect, in one registration object: its codecs, where its clients put
/// their key, how its errors look, its upstream paths and headers, and the facts the server would otherwise hard-code
/// (affinity fields, policy insertion points, the receipt trailer, the models-list shape, how a same-dialect call is
/// relayed). One subclass per dialect lives in that dialect's folder and is listed once in <see cref="WireDialects"/>;
/// code outside the dialect folders asks these members instead of switching on <see cref="WireDialectName"/>.
/// </summary>
public abstract class WireDialect
{
    public abstract WireDialectName Name { get; }

    /// <summary>The dialect as people know it, for refusal messages ("Anthropic Messages").</summary>
    public abstract string DisplayName { get; }

    /// <summary>The dialect's short label: metrics' <c>warden.protocol</c> and the key prefix of its extensions in translation rules.</summary>
    public abstract string Label { get; }

    public abstract IDialectCodec Codec { get; }

    /// <summary>This dialect's cells of the operation × dialect table; an operation not listed is refused as not built.</summary>
    public abstract IReadOnlyDictionary<ApiOperation, OperationCell> Operations { get; }

    // ---- the client edge

    /// <summary>The path prefix of this dialect's client routes, for errors written outside the pipeline; null for the fallback dialect.</summary>
    public virtual string? ClientPathPrefix => null;

    /// <summary>The header this dialect's clients put their key in (besides <c>Authorization: Bearer</c>), if any.</summary>
    public virtual string? ClientKeyHeader => null;

    /// <summary>The query parameter this dialect's clients may put their key in, if any.</summary>
    public virtual string? ClientKeyQuery => null;

    /// <summary>How this dialect's clients send their key, for the 401 message.</summary>
    public virtual string KeyHint => "'Authorization: Bearer <key>'";

    /// <summary>How the models list and a model object are shaped for this dialect's clients.</summary>
    public abstract ModelsListShape ModelsList { get; }

    /// <summary>
    /// Whether a request to a route this dialect shares with the fallback dialect (<c>GET /v1/models</c>) comes from
    /// this dialect's client (Anthropic's SDKs send <c>anthropic-version</c>).
    /// </summary>
    public virtual bool ClaimsSharedRoute(Func<string, bool> hasHeader) => false;

    /// <summary>Writes a client error as this dialect's error JSON (also used for in-stream errors).</summary>
    public virtual void WriteClientError(ClientError clientError, string requestId, IBufferWriter<byte> output) => Codec.WriteError(clientError, requestId, output);

    /// <summary>
    /// A stream encoder for this dialect's client, fed by an upstream of <paramref name="upstream"/> (the encoder must
    /// know whose opaque reasoning it carries); <paramref name="sse"/> is the client's framing where the dialect has two.
    /// </summary>
    public virtual IStreamEncoder CreateClientStreamEncoder(CanonicalRequest request, bool sse, WireDialectName upstream, TimeProvider time) =>
        Codec.CreateStreamEncoder(request);

    /// <summary>
    /// The encoder that writes Warden's own closing error into a pass-through stream, numbered after the upstream's last
    /// event where the dialect numbers its events.
    /// </summary>
    public virtual IStreamEncoder CreateClosingEncoder(CanonicalRequest minimal, long? lastSequence, TimeProvider time) =>
        CreateClientStreamEncoder(minimal, sse: true, Name, time);

    /// <summary>Reads an upstream event's sequence number, where the dialect numbers its events.</summary>
    public virtual bool TryReadSequenceNumber(ReadOnlySpan<byte> data, out long sequence)
    {
        sequence = 0;
        return false;
    }

    /// <summary>The content type of a stream to this dialect's client.</summary>
    public virtual string StreamContentType(bool sse) => "text/event-stream";

    /// <summary>Whether a stream to this dialect's client may end with the <c>: warden-receipt</c> SSE comment.</summary>
    public virtual bool StreamReceiptTrailer => true;

    /// <summary>
    /// Inspects a client body: the facts routing and metering need, plus whatever detail this dialect's pass-through
    /// relay needs beyond them (OpenAI Chat's stream_options).
    /// </summary>
    public virtual bool TryInspectClient(ReadOnlySpan<byte> body, RequestContext context, out RequestFacts? facts, out object? detail, out RequestParseError? parseError)
    {
        detail = null;
        bool ok = Codec.TryInspect(body, context, out var inspected, out parseError);
        facts = ok ? inspected : null;
        return ok;
    }

    // ---- request fields, for messages and policies

    /// <summary>Where the client put its structured-output format.</summary>
    public abstract string OutputFormatField { get; }

    /// <summary>Where the client put its reasoning effort.</summary>
    public abstract string EffortField { get; }

    /// <summary>Where the client put its output limit.</summary>
    public abstract string OutputLimitField { get; }

    /// <summary>Whether the model is named in the body (Gemini's is in the path).</summary>
    public virtual bool ModelInBody => true;

    /// <summary>The field of a count-tokens answer that holds the count.</summary>
    public virtual string CountTokensField => "input_tokens";

    /// <summary>GenAI's operation name for this dialect's generation call.</summary>
    public virtual string GenerateOperationName => "chat";

    /// <summary>The top-level fields that make a conversation's stable start, for cache affinity.</summary>
    public abstract AffinityFields Affinity { get; }

    /// <summary>Where a channel's policy inserts its system prefix and output cap.</summary>
    public abstract PolicySites PolicySites { get; }

    /// <summary>Whether an item this dialect's answers carry outside the canonical tool calls is one the client runs.</summary>
    public virtual bool IsClientRunItem(string? type) => false;

    // ---- relaying

    /// <summary>How a call whose client and upstream both speak this dialect is relayed.</summary>
    public virtual SameDialectRelay SameDialectRelay(RequestFacts facts, RequestContext context) => Dialects.SameDialectRelay.PassThrough;

    // ---- the upstream side

    /// <summary>The path of <paramref name="operation"/> relative to the channel's base URL; null when the dialect has no such operation.</summary>
    public abstract string? UpstreamPath(UpstreamOperation operation, string model, bool stream);

    /// <summary>The version headers this dialect's upstreams require, and that are forwarded from its own clients.</summary>
    public virtual VersionHeaders? VersionHeaders => null;

    /// <summary>Adds the dialect's version headers to an upstream request: the client's values when given, else the default.</summary>
    public void AddVersionHeaders(HttpRequestHeaders headers, string? version, string? beta)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (VersionHeaders is not { } names)
        {
            return;
        }

        headers.TryAddWithoutValidation(names.Version, version ?? names.DefaultVersion);
        if (!string.IsNullOrEmpty(beta) && names.Beta is { } betaName)
        {
            headers.TryAddWithoutValidation(betaName, beta);
        }
    }

    /// <summary>The body of a small test request (<c>warden channels test</c>, the console's probe), as one JSON object.</summary>
    public byte[] ProbeBody(string model, string prompt, int maxTokens)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            WriteProbeBody(json, model, prompt, maxTokens);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the members of a small test request's body.</summary>
    public abstract void WriteProbeBody(Utf8JsonWriter json, string model, string prompt, int maxTokens);

    /// <summary>Where a non-streamed answer names its model and usage.</summary>
    public abstract ProbeFields ProbeFields { get; }

    public override string ToString() => DisplayName;
}

/// <summary>The shapes of a models list and model object.</summary>
public enum ModelsListShape
{
    /// <summary>OpenAI's list (with Anthropic's fields beside, so either SDK reads it).</summary>
    OpenAI,

    /// <summary>Anthropic's paged list.</summary>
    Anthropic,

    /// <summary>Gemini's <c>models</c> list.</summary>
    Gemini,
}

/// <summary>How a same-dialect call is relayed.</summary>
public enum SameDialectRelay
{
    /// <summary>Bytes pass through; the dialect's stream decoder runs beside them as a tap.</summary>
    PassThrough,

    /// <summary>Bytes pass through, with usage asked for in the stream and hidden from a client that did not ask (OpenAI Chat's include_usage).</summary>
    PassThroughWithUsageSplice,

    /// <summary>Decoded and encoded again (a framing the pass-through cannot copy, such as Gemini's JSON-array stream).</summary>
    Translate,
}

/// <summary>A dialect's version headers.</summary>
/// <param name="Version">The version header (<c>anthropic-version</c>).</param>
/// <param name="Beta">The beta-features header, forwarded from the dialect's own clients.</param>
/// <param name="DefaultVersion">Sent when the client gave none (it spoke another dialect).</param>
public sealed record VersionHeaders(string Version, string? Beta, string DefaultVersion);

/// <summary>Where a non-streamed answer names its model and usage.</summary>
public sealed record ProbeFields(string Model, string Usage, string Input, string Output);
