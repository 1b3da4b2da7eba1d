using Warden.Core.Canonical;

namespace Warden.Core.Dialects.OpenAIChat;

/// <summary>
/// The OpenAI error type for each <see cref="ClientErrorKind"/>: the same types the server's Chat endpoint has always
/// sent (clients and tests read them), so errors look the same on the pass-through and the translation paths.
/// </summary>
internal static class ChatErrors
{
    public static string TypeOf(ClientError error) => error.Kind switch
    {
        ClientErrorKind.Permission => "permission_error",
        ClientErrorKind.Internal => "server_error",
        ClientErrorKind.InsufficientCredit => "insufficient_quota",
        ClientErrorKind.RateLimited or ClientErrorKind.Overloaded or ClientErrorKind.UpstreamFailed => error.Code ?? "upstream_error",
        _ => "invalid_request_error",
    };
}
