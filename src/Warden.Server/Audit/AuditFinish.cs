namespace Warden.Server.Audit;

/// <summary>Why the answer ended, mapped from <c>finish_reason</c>, <c>stop_reason</c>, Responses' status and
/// incomplete reason, or Gemini's <c>finishReason</c>.</summary>
internal enum AuditFinish
{
    /// <summary>No reason was given (or the answer broke off).</summary>
    None,

    /// <summary>A natural end: <c>stop</c>, <c>end_turn</c>, <c>stop_sequence</c>, <c>STOP</c>, <c>completed</c>.</summary>
    Stop,

    /// <summary>The output limit was reached: <c>length</c>, <c>max_tokens</c>, <c>MAX_TOKENS</c>, <c>max_output_tokens</c>.</summary>
    Length,

    /// <summary>The model asked for tools: <c>tool_calls</c>, <c>tool_use</c>.</summary>
    ToolCalls,

    /// <summary>Anything else (content filter, refusal, recitation...).</summary>
    Other,
}
