using Warden.Core.Canonical;

namespace Warden.Server.Relay;

/// <summary>Why an answer's tool call was stopped before it reached the client.</summary>
internal enum ToolCallRefusalReason
{
    /// <summary>The call names a tool the request did not declare (or the request declared none).</summary>
    UndeclaredName,

    /// <summary>The call's arguments are not a complete JSON object.</summary>
    InvalidArguments,
}

/// <summary>
/// A stopped tool call (issue 19, "no tool call the client did not offer"): what the client is told, what the usage
/// record and the receipt's change list say. Neither the call's arguments nor its name go to the client: a name can
/// carry content too, and the client must not be steered by any part of the call.
/// </summary>
internal sealed record ToolCallRefusal(ToolCallRefusalReason Reason, string? ToolName)
{
    /// <summary>The machine-readable code in the client's error (OpenAI's code; the message names it for the others).</summary>
    public const string Code = "tool_call_refused";

    /// <summary>Tool names as the providers allow them (OpenAI: letters, digits, _ and -, at most 64): only such a name is logged.</summary>
    private const int MaxLoggedNameLength = 64;

    public string ReasonText => Reason == ToolCallRefusalReason.UndeclaredName ? "undeclared_name" : "invalid_arguments";

    /// <summary>The entry in the receipt's change list: the answer was changed by stopping a call.</summary>
    public string Change => "refused:tool_call=" + ReasonText;

    /// <summary>The tool's name for the log when it looks like a tool name; anything else could be content, so it is not logged.</summary>
    public string LoggedName => ToolName is { Length: > 0 and <= MaxLoggedNameLength } name && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')
        ? name
        : "(not a tool name)";

    /// <summary>What the client gets, in its protocol: a 502-class upstream failure with its own code.</summary>
    public ClientError ToClientError() => new(
        StatusCodes.Status502BadGateway,
        ClientErrorKind.UpstreamFailed,
        Reason == ToolCallRefusalReason.UndeclaredName
            ? "The upstream's answer called a tool this request did not declare; Warden stopped the call before it reached you (tool_call_refused)."
            : "The upstream's answer called a tool with arguments that are not a JSON object; Warden stopped the call before it reached you (tool_call_refused).",
        null,
        Code);
}
