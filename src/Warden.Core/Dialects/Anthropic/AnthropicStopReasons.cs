using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Anthropic;

/// <summary>Anthropic's stop_reason values and the canonical <see cref="StopReason"/>, both ways, in one table.</summary>
internal static class AnthropicStopReasons
{
    public static StopReason ToCanonical(string? stopReason) => stopReason switch
    {
        "end_turn" => StopReason.EndTurn,
        "max_tokens" => StopReason.MaxTokens,
        "model_context_window_exceeded" => StopReason.MaxTokens,
        "stop_sequence" => StopReason.StopSequence,
        "tool_use" => StopReason.ToolUse,
        "pause_turn" => StopReason.PauseTurn,
        "refusal" => StopReason.Refusal,
        _ => StopReason.Unknown,
    };

    /// <summary>
    /// The wire value for a canonical reason. A content filter is Anthropic's "refusal"; an unreported reason on a
    /// stream that ended cleanly is "end_turn" (Anthropic clients treat a null stop_reason as an unfinished answer).
    /// </summary>
    public static string ToWire(StopReason reason) => reason switch
    {
        StopReason.EndTurn => "end_turn",
        StopReason.MaxTokens => "max_tokens",
        StopReason.StopSequence => "stop_sequence",
        StopReason.ToolUse => "tool_use",
        StopReason.PauseTurn => "pause_turn",
        StopReason.Refusal => "refusal",
        StopReason.ContentFilter => "refusal",
        _ => "end_turn",
    };
}
