using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Gemini;

/// <summary>Gemini's candidate finishReason values and the canonical <see cref="StopReason"/>, both ways.</summary>
public static class GeminiFinishReasons
{
    /// <summary>
    /// Reads a finishReason. STOP with a function call in the answer is <see cref="StopReason.ToolUse"/>; the safety
    /// family (SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII, IMAGE_SAFETY, LANGUAGE…) is a content filter.
    /// </summary>
    public static StopReason Read(string? finishReason, bool sawFunctionCall) => finishReason switch
    {
        null or "" or "FINISH_REASON_UNSPECIFIED" => sawFunctionCall ? StopReason.ToolUse : StopReason.Unknown,
        "STOP" => sawFunctionCall ? StopReason.ToolUse : StopReason.EndTurn,
        "MAX_TOKENS" => StopReason.MaxTokens,
        "SAFETY" or "RECITATION" or "BLOCKLIST" or "PROHIBITED_CONTENT" or "SPII" or "LANGUAGE"
            or "IMAGE_SAFETY" or "IMAGE_PROHIBITED_CONTENT" or "IMAGE_RECITATION" => StopReason.ContentFilter,
        _ => sawFunctionCall ? StopReason.ToolUse : StopReason.Unknown,
    };

    /// <summary>
    /// The finishReason for a Gemini client. Gemini has no refusal, pause or unknown reason: a refusal is reported as
    /// SAFETY (the closest: the output was stopped on policy); a paused turn and an unreported reason as STOP.
    /// </summary>
    public static string Write(StopReason reason) => reason switch
    {
        StopReason.MaxTokens => "MAX_TOKENS",
        StopReason.ContentFilter or StopReason.Refusal => "SAFETY",
        _ => "STOP",
    };
}
