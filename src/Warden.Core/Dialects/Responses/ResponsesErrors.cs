using System.Buffers;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Dialects.OpenAIChat;

namespace Warden.Core.Dialects.Responses;

/// <summary>
/// Errors in the Responses dialect: OpenAI's <c>{"error":{"message","type","param","code"}}</c> both ways (written
/// with <see cref="OpenAIErrorWriter"/>), with one error type per <see cref="ClientErrorKind"/>.
/// </summary>
public static class ResponsesErrors
{
    /// <summary>The OpenAI error type for a kind of client error.</summary>
    public static string TypeOf(ClientErrorKind kind) => kind switch
    {
        ClientErrorKind.InvalidRequest or ClientErrorKind.RequestTooLarge => "invalid_request_error",
        ClientErrorKind.Authentication => "authentication_error",
        ClientErrorKind.Permission => "permission_error",
        ClientErrorKind.NotFound => "not_found_error",
        ClientErrorKind.RateLimited => "rate_limit_error",
        ClientErrorKind.InsufficientCredit => "insufficient_quota",
        ClientErrorKind.UpstreamFailed => "api_error",
        _ => "server_error",
    };

    public static void Write(ClientError clientError, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(clientError);
        OpenAIErrorWriter.Write(output, clientError.Message, TypeOf(clientError.Kind), clientError.Param, clientError.Code);
    }

    /// <summary>Reads an OpenAI-shaped error body; null when it is not one.</summary>
    public static UpstreamErrorDetail? Read(ReadOnlySpan<byte> body)
    {
        JsonElement root;
        try
        {
            root = ResponsesJson.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }

        if (root.GetMember("error") is not { ValueKind: JsonValueKind.Object } error)
        {
            return null;
        }

        string? code = error.GetMember("code") switch
        {
            { ValueKind: JsonValueKind.String } s => s.GetString(),
            { ValueKind: JsonValueKind.Number } n => n.GetRawText(),
            _ => null,
        };
        return new UpstreamErrorDetail(error.GetString("message"), error.GetString("type"), error.GetString("param"), code);
    }
}
