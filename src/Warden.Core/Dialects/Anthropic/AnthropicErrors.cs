using System.Buffers;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Providers;

namespace Warden.Core.Dialects.Anthropic;

/// <summary>
/// Anthropic's error JSON, <c>{"type":"error","error":{"type","message"},"request_id"}</c>: writing it for clients,
/// reading it from upstreams, and the mapping of error kinds to Anthropic's error types.
/// </summary>
public static class AnthropicErrors
{
    /// <summary>The Anthropic error type for a kind of client error.</summary>
    public static string TypeOf(ClientErrorKind kind) => kind switch
    {
        ClientErrorKind.InvalidRequest => "invalid_request_error",
        ClientErrorKind.Authentication => "authentication_error",
        ClientErrorKind.Permission => "permission_error",
        ClientErrorKind.NotFound => "not_found_error",
        ClientErrorKind.RequestTooLarge => "request_too_large",
        ClientErrorKind.RateLimited => "rate_limit_error",
        ClientErrorKind.InsufficientCredit => "billing_error",
        ClientErrorKind.Overloaded => "overloaded_error",
        _ => "api_error",
    };

    /// <summary>The Anthropic error type for an upstream failure reported inside a stream.</summary>
    internal static string TypeOf(UpstreamErrorKind kind) => kind switch
    {
        UpstreamErrorKind.RateLimited => "rate_limit_error",
        UpstreamErrorKind.Overloaded => "overloaded_error",
        UpstreamErrorKind.RequestRejected => "invalid_request_error",
        _ => "api_error",
    };

    /// <summary>The kind of upstream failure an Anthropic error type names (used for errors inside streams).</summary>
    internal static UpstreamErrorKind KindOf(string? type) => type switch
    {
        "rate_limit_error" => UpstreamErrorKind.RateLimited,
        "overloaded_error" => UpstreamErrorKind.Overloaded,
        "invalid_request_error" or "not_found_error" or "request_too_large" => UpstreamErrorKind.RequestRejected,
        "authentication_error" or "permission_error" or "billing_error" => UpstreamErrorKind.CredentialRejected,
        _ => UpstreamErrorKind.ServerError,
    };

    /// <summary>Writes the error body; <paramref name="requestId"/> is left out when null or empty.</summary>
    public static void Write(string type, string message, string? requestId, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, AnthropicJson.WriterOptions);
        WriteObject(writer, type, message, requestId);
    }

    internal static void WriteObject(Utf8JsonWriter writer, string type, string message, string? requestId)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "error"u8);
        writer.WriteStartObject("error"u8);
        writer.WriteString("type"u8, type);
        writer.WriteString("message"u8, message);
        writer.WriteEndObject();
        if (!string.IsNullOrEmpty(requestId))
        {
            writer.WriteString("request_id"u8, requestId);
        }

        writer.WriteEndObject();
    }

    /// <summary>Reads an Anthropic error body (or the bare inner error object); null when it is not one.</summary>
    public static UpstreamErrorDetail? Read(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty || !System.Text.Unicode.Utf8.IsValid(body))
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = AnthropicJson.MaxDepth });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var error = root.TryGetProperty("error"u8, out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : root;
            string? message = AnthropicJson.GetString(error, "message");
            string? type = AnthropicJson.GetString(error, "type");
            if (message is null && (type is null || type == "error"))
            {
                return null;
            }

            return new UpstreamErrorDetail(message, type, null, null);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
