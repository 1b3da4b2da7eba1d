using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Dialects;
using Warden.Core.Providers;
using Warden.Server.Dialects;
using Warden.Server.Endpoints;
using Warden.Server.Relay;

namespace Warden.Server.Protocols;

/// <summary>
/// A client-facing dialect at the HTTP edge: where the key is, how errors look, and how answers are encoded, all read
/// from the dialect's registration (<see cref="WireDialect"/>). A dialect whose server side needs more (Responses'
/// client-run items) subclasses this in its folder under <c>Dialects/</c>. Everything else (the pipeline stages,
/// routing, relaying) is shared.
/// </summary>
internal class ClientProtocol
{
    public ClientProtocol(WireDialect wire)
    {
        ArgumentNullException.ThrowIfNull(wire);
        Wire = wire;
    }

    /// <summary>The dialect's registration.</summary>
    public WireDialect Wire { get; }

    public WireDialectName Dialect => Wire.Name;

    /// <summary>The protocol of a registered dialect.</summary>
    public static ClientProtocol For(WireDialectName dialect) => ClientProtocols.For(dialect);

    /// <summary>The protocol of paths no dialect claims by prefix (OpenAI's <c>/v1/...</c>).</summary>
    public static ClientProtocol Fallback => ClientProtocols.Fallback;

    /// <summary>The protocol a path belongs to, for errors written outside the pipeline (unknown URLs, internal errors).</summary>
    public static ClientProtocol ForPath(PathString path)
    {
        foreach (var protocol in ClientProtocols.All)
        {
            if (protocol.Wire.ClientPathPrefix is { } prefix && path.StartsWithSegments(prefix, StringComparison.Ordinal))
            {
                return protocol;
            }
        }

        return Fallback;
    }

    /// <summary>
    /// The protocol of a client on a route the fallback dialect shares with others (<c>GET /v1/models</c>): the first
    /// dialect that claims the request by its headers, else the fallback.
    /// </summary>
    public static ClientProtocol ForSharedRoute(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var protocol in ClientProtocols.All)
        {
            if (protocol.Wire.ClaimsSharedRoute(request.Headers.ContainsKey))
            {
                return protocol;
            }
        }

        return Fallback;
    }

    /// <summary>How this protocol's clients send their key, for the 401 message.</summary>
    public string KeyHint => Wire.KeyHint;

    public IDialectCodec Codec => Wire.Codec;

    /// <summary>The key the client presented, in the places its protocol puts it.</summary>
    public string? ReadKey(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return OwnKey(request, includeQuery: true) ?? BearerToken.From(request);
    }

    /// <summary>
    /// The key of a request to a route every dialect's clients may call (receipts, the transparency log, self-service):
    /// any dialect's key header, then <c>Authorization: Bearer</c>; a key in the query only when <paramref name="includeQuery"/>.
    /// </summary>
    public static string? ReadAnyKey(HttpRequest request, bool includeQuery = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var protocol in ClientProtocols.All)
        {
            if (protocol.OwnKey(request, includeQuery) is { } key)
            {
                return key;
            }
        }

        return BearerToken.From(request);
    }

    /// <summary>
    /// A stream encoder for this protocol, fed by an upstream of <paramref name="upstreamDialect"/> (the encoder must know
    /// whose opaque reasoning it carries). Gemini's also depends on whether the client asked for SSE.
    /// </summary>
    public IStreamEncoder CreateStreamEncoder(CanonicalRequest request, bool geminiSse, WireDialectName upstreamDialect, TimeProvider time) =>
        Wire.CreateClientStreamEncoder(request, geminiSse, upstreamDialect, time);

    /// <summary>
    /// Writes an error before the response started, in this protocol's JSON, with Retry-After on 429, 503 and 529
    /// (Codex does not retry a 429 without it; every other client honours it).
    /// </summary>
    public Task WriteErrorAsync(HttpContext context, ClientError error, TimeSpan? retryAfter = null)
    {
        var response = context.Response;
        response.StatusCode = error.Status;
        response.ContentType = "application/json";
        if (error.Status is 429 or 503 or 529)
        {
            long seconds = (long)Math.Ceiling((retryAfter ?? UpstreamErrorPolicy.DefaultRetryAfter).TotalSeconds);
            response.Headers.RetryAfter = Math.Max(1, seconds).ToString(CultureInfo.InvariantCulture);
        }

        WriteError(error, context.TraceIdentifier, response.BodyWriter);
        return response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }

    /// <summary>Writes the error JSON only (also used for in-stream errors by encoders).</summary>
    public void WriteError(ClientError error, string requestId, IBufferWriter<byte> output) => Wire.WriteClientError(error, requestId, output);

    /// <summary>
    /// For a passed-through stream event: the refusal when it carries an item the client would run (a shell command, a
    /// patch) of a tool the request did not declare. Only dialects with such items answer.
    /// </summary>
    public virtual ToolCallRefusal? CheckClientRunEvent(ReadOnlySpan<byte> data, ToolCallGuard guard) => null;

    /// <summary>For an item of a complete answer that <see cref="WireDialect.IsClientRunItem"/> names: the refusal when its tool was not declared.</summary>
    public virtual ToolCallRefusal? CheckClientRunItem(JsonElement item, DeclaredTools declared) => null;

    private string? OwnKey(HttpRequest request, bool includeQuery)
    {
        string? key = null;
        if (Wire.ClientKeyHeader is { } header)
        {
            key = NonEmpty(request.Headers[header]);
        }

        if (key is null && includeQuery && Wire.ClientKeyQuery is { } query)
        {
            key = NonEmpty(request.Query[query]);
        }

        return key;
    }

    private static string? NonEmpty(Microsoft.Extensions.Primitives.StringValues values)
    {
        string? value = values;
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
