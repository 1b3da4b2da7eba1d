using System.Buffers;
using System.Globalization;
using Warden.Core.Canonical;
using Warden.Core.Dialects.Anthropic;
using Warden.Core.Dialects.Gemini;
using Warden.Core.Dialects.OpenAIChat;
using Warden.Core.Dialects.Responses;
using Warden.Core.Providers;
using Warden.Server.Endpoints;

namespace Warden.Server.Protocols;

/// <summary>
/// What differs between the four client-facing protocols at the HTTP edge: where the key is, how errors look, and
/// how answers are encoded. Everything else (the pipeline stages, routing, relaying) is shared.
/// </summary>
internal sealed class ClientProtocol
{
    private ClientProtocol(WireDialectName dialect, string keyHint)
    {
        Dialect = dialect;
        KeyHint = keyHint;
    }

    public static ClientProtocol OpenAIChat { get; } = new(WireDialectName.OpenAIChat, "'Authorization: Bearer <key>'");

    public static ClientProtocol Responses { get; } = new(WireDialectName.Responses, "'Authorization: Bearer <key>'");

    public static ClientProtocol Anthropic { get; } = new(WireDialectName.Anthropic, "'x-api-key: <key>' or 'Authorization: Bearer <key>'");

    public static ClientProtocol Gemini { get; } = new(WireDialectName.Gemini, "'x-goog-api-key: <key>' or the 'key' query parameter");

    public WireDialectName Dialect { get; }

    /// <summary>The protocol a path belongs to, for errors written outside the pipeline (unknown URLs, internal errors).</summary>
    public static ClientProtocol ForPath(PathString path)
    {
        if (path.StartsWithSegments("/v1/messages", StringComparison.Ordinal))
        {
            return Anthropic;
        }

        if (path.StartsWithSegments("/v1beta", StringComparison.Ordinal))
        {
            return Gemini;
        }

        return path.StartsWithSegments("/v1/responses", StringComparison.Ordinal) ? Responses : OpenAIChat;
    }

    /// <summary>How this protocol's clients send their key, for the 401 message.</summary>
    public string KeyHint { get; }

    public IDialectCodec Codec => DialectCodecs.For(Dialect);

    /// <summary>The key the client presented, in the places its protocol puts it.</summary>
    public string? ReadKey(HttpRequest request)
    {
        string? key = Dialect switch
        {
            WireDialectName.Anthropic => NonEmpty(request.Headers["x-api-key"]),
            WireDialectName.Gemini => NonEmpty(request.Headers["x-goog-api-key"]) ?? NonEmpty(request.Query["key"]),
            _ => null,
        };
        return key ?? BearerToken.From(request);
    }

    /// <summary>
    /// A stream encoder for this protocol, fed by an upstream of <paramref name="upstreamDialect"/> (the encoder must know
    /// whose opaque reasoning it carries). Gemini's also depends on whether the client asked for SSE.
    /// </summary>
    public IStreamEncoder CreateStreamEncoder(CanonicalRequest request, bool geminiSse, WireDialectName upstreamDialect, TimeProvider time) => Dialect switch
    {
        WireDialectName.Gemini => GeminiCodec.Instance.CreateStreamEncoder(request, geminiSse, upstreamDialect),
        WireDialectName.Anthropic => AnthropicCodec.CreateStreamEncoder(request, upstreamDialect),
        WireDialectName.Responses => ResponsesCodec.Instance.CreateStreamEncoder(request, upstreamDialect, time),
        _ => Codec.CreateStreamEncoder(request),
    };

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
    public void WriteError(ClientError error, string requestId, IBufferWriter<byte> output)
    {
        if (Dialect == WireDialectName.OpenAIChat)
        {
            // Chat keeps the exact types and codes it has always sent (clients and tests read them).
            OpenAIErrorWriter.Write(output, error.Message, OpenAIType(error), error.Param, error.Code);
            return;
        }

        Codec.WriteError(error, requestId, output);
    }

    private static string OpenAIType(ClientError error) => error.Kind switch
    {
        ClientErrorKind.Permission => "permission_error",
        ClientErrorKind.Internal => "server_error",
        ClientErrorKind.InsufficientCredit => "insufficient_quota",
        ClientErrorKind.RateLimited or ClientErrorKind.Overloaded or ClientErrorKind.UpstreamFailed => error.Code ?? "upstream_error",
        _ => "invalid_request_error",
    };

    private static string? NonEmpty(Microsoft.Extensions.Primitives.StringValues values)
    {
        string? value = values;
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
