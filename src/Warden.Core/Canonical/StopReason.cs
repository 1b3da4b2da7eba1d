namespace Warden.Core.Canonical;

/// <summary>Why the model stopped. Each dialect's reason maps to one of these and back.</summary>
public enum StopReason
{
    /// <summary>The model finished its turn (Chat "stop", Anthropic "end_turn", Gemini STOP, Responses completed).</summary>
    EndTurn,

    /// <summary>The output token limit was reached (Chat "length", Anthropic "max_tokens", Gemini MAX_TOKENS, Responses incomplete/max_output_tokens).</summary>
    MaxTokens,

    /// <summary>A client stop sequence was produced.</summary>
    StopSequence,

    /// <summary>The model called tools and waits for their results.</summary>
    ToolUse,

    /// <summary>A safety or content filter stopped the output.</summary>
    ContentFilter,

    /// <summary>The model refused (Anthropic "refusal").</summary>
    Refusal,

    /// <summary>Anthropic "pause_turn": a long server-tool turn was paused.</summary>
    PauseTurn,

    /// <summary>No reason was reported.</summary>
    Unknown,
}
