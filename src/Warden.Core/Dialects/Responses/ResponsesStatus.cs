using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Responses;

/// <summary>
/// The stop-reason table both ways. Responses has no stop reason: a response is "completed" (a turn that ends
/// with a function_call waits for tool results), or "incomplete" with incomplete_details.reason
/// max_output_tokens or content_filter, or "failed".
/// </summary>
public static class ResponsesStatus
{
    /// <summary>The canonical reason for a response's status, incomplete reason and whether it called tools.</summary>
    public static StopReason ToStopReason(string? status, string? incompleteReason, bool calledTools, bool refused = false) => status switch
    {
        "incomplete" => incompleteReason switch
        {
            "max_output_tokens" => StopReason.MaxTokens,
            "content_filter" => StopReason.ContentFilter,
            _ => StopReason.Unknown,
        },
        "completed" when calledTools => StopReason.ToolUse,
        "completed" when refused => StopReason.Refusal,
        "completed" => StopReason.EndTurn,
        _ => StopReason.Unknown,
    };

    /// <summary>The Responses status and incomplete reason (null when complete) for a canonical reason.</summary>
    public static (string Status, string? IncompleteReason) FromStopReason(StopReason reason) => reason switch
    {
        StopReason.MaxTokens => ("incomplete", "max_output_tokens"),
        StopReason.ContentFilter => ("incomplete", "content_filter"),
        _ => ("completed", null),
    };
}
