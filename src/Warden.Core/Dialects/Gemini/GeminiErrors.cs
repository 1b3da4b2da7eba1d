using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Providers;

namespace Warden.Core.Dialects.Gemini;

/// <summary>
/// Gemini's error JSON, <c>{"error":{"code","message","status"}}</c>, both ways. The request id travels as a
/// google.rpc.RequestInfo entry in <c>details</c>, where Google puts it.
/// </summary>
public static class GeminiErrors
{
    /// <summary>
    /// The google.rpc status name for a client error. 413 has no status of its own at Google (an over-long prompt is
    /// INVALID_ARGUMENT): it is written as INVALID_ARGUMENT with code 413; a credit shortfall (402) as RESOURCE_EXHAUSTED.
    /// </summary>
    public static string StatusName(ClientError clientError)
    {
        ArgumentNullException.ThrowIfNull(clientError);
        return clientError.Kind switch
        {
            ClientErrorKind.InvalidRequest or ClientErrorKind.RequestTooLarge => "INVALID_ARGUMENT",
            ClientErrorKind.Authentication => "UNAUTHENTICATED",
            ClientErrorKind.Permission => "PERMISSION_DENIED",
            ClientErrorKind.NotFound => "NOT_FOUND",
            ClientErrorKind.RateLimited or ClientErrorKind.InsufficientCredit => "RESOURCE_EXHAUSTED",
            ClientErrorKind.Internal => "INTERNAL",
            ClientErrorKind.UpstreamFailed => clientError.Status == 504 ? "DEADLINE_EXCEEDED" : "UNAVAILABLE",
            ClientErrorKind.Overloaded => "UNAVAILABLE",
            _ => "UNKNOWN",
        };
    }

    /// <summary>Writes the error JSON object (no framing).</summary>
    public static void Write(ClientError clientError, string? requestId, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, GeminiJson.WriterOptions);
        Write(writer, clientError, requestId);
    }

    internal static void Write(Utf8JsonWriter writer, ClientError clientError, string? requestId)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error"u8);
        writer.WriteNumber("code"u8, clientError.Status);
        writer.WriteString("message"u8, clientError.Message);
        writer.WriteString("status"u8, StatusName(clientError));
        if (!string.IsNullOrEmpty(requestId))
        {
            writer.WriteStartArray("details"u8);
            writer.WriteStartObject();
            writer.WriteString("@type"u8, "type.googleapis.com/google.rpc.RequestInfo"u8);
            writer.WriteString("requestId"u8, requestId);
            writer.WriteEndObject();
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Reads an upstream error body (also the one-element array the non-SSE stream form may carry). Null when unreadable.</summary>
    public static UpstreamErrorDetail? Read(ReadOnlySpan<byte> body)
    {
        try
        {
            var root = GeminiJson.Parse(body);
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0)
            {
                root = root[0];
            }

            return TryReadError(root, out var detail, out _) ? detail : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads <c>{"error":{…}}</c> from a parsed body or stream chunk.</summary>
    internal static bool TryReadError(JsonElement root, out UpstreamErrorDetail detail, out int code)
    {
        detail = null!;
        code = 0;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("error"u8, out var error) || error.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        string? codeText = null;
        if (error.TryGetProperty("code"u8, out var codeElement))
        {
            if (codeElement.ValueKind == JsonValueKind.Number && codeElement.TryGetInt32(out int number))
            {
                code = number;
                codeText = number.ToString(CultureInfo.InvariantCulture);
            }
            else if (codeElement.ValueKind == JsonValueKind.String)
            {
                codeText = codeElement.GetString();
                _ = int.TryParse(codeText, NumberStyles.Integer, CultureInfo.InvariantCulture, out code);
            }
        }

        detail = new UpstreamErrorDetail(GeminiJson.GetString(error, "message"), GeminiJson.GetString(error, "status"), null, codeText);
        return true;
    }

    /// <summary>How an error reported inside a stream chunk is classed, by its HTTP-like code or status name.</summary>
    internal static UpstreamErrorKind KindOf(int code, string? status) => code switch
    {
        429 => UpstreamErrorKind.RateLimited,
        503 => UpstreamErrorKind.Overloaded,
        401 or 403 => UpstreamErrorKind.CredentialRejected,
        >= 500 => UpstreamErrorKind.ServerError,
        >= 400 => UpstreamErrorKind.RequestRejected,
        _ => status switch
        {
            "RESOURCE_EXHAUSTED" => UpstreamErrorKind.RateLimited,
            "UNAVAILABLE" => UpstreamErrorKind.Overloaded,
            "UNAUTHENTICATED" or "PERMISSION_DENIED" => UpstreamErrorKind.CredentialRejected,
            "INVALID_ARGUMENT" or "NOT_FOUND" or "FAILED_PRECONDITION" => UpstreamErrorKind.RequestRejected,
            _ => UpstreamErrorKind.ServerError,
        },
    };
}
