using Warden.Core.Canonical;

namespace Warden.Core.Dialects.OpenAIChat;

/// <summary>Chat Completions <c>finish_reason</c> ⇄ canonical <see cref="StopReason"/>, both ways in one table.</summary>
public static class ChatFinishReasons
{
    /// <summary>
    /// Reads a finish_reason. "stop" covers both a natural end and a stop sequence (Chat does not tell them apart);
    /// the deprecated "function_call" is a tool call; vendor-specific reasons are <see cref="StopReason.Unknown"/>.
    /// </summary>
    public static StopReason ToCanonical(string? finishReason) => finishReason switch
    {
        "stop" => StopReason.EndTurn,
        "length" => StopReason.MaxTokens,
        "tool_calls" or "function_call" => StopReason.ToolUse,
        "content_filter" => StopReason.ContentFilter,
        _ => StopReason.Unknown,
    };

    /// <summary>
    /// Writes a finish_reason for a Chat client. A refusal is the provider's safety decision, which Chat reports as
    /// "content_filter"; Anthropic's pause_turn and an unknown reason have no Chat word and read as "stop".
    /// </summary>
    public static string ToChat(StopReason reason) => reason switch
    {
        StopReason.MaxTokens => "length",
        StopReason.ToolUse => "tool_calls",
        StopReason.ContentFilter or StopReason.Refusal => "content_filter",
        _ => "stop",
    };
}
