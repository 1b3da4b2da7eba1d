namespace Warden.Server.Usage;

/// <summary>One line of the usage report. Token sums are null when no request in the group reported them.</summary>
internal sealed record UsageSummaryRow(
    string Day,
    string Key,
    string Model,
    long Requests,
    long Succeeded,
    long? InputTokens,
    long? OutputTokens,
    long? CachedTokens,
    long? ReasoningTokens,
    long SucceededWithoutReportedUsage);
