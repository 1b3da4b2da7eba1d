namespace Warden.Server.Billing;

/// <summary>Settled usage and cost of one group (a tenant, key, model or day) in one currency.</summary>
/// <remarks><c>Estimated</c>: Requests whose counts were estimated or not reported by the upstream.</remarks>
internal sealed record UsageReportRow(
    string Group,
    string Currency,
    long Requests,
    long InputTokens,
    long CacheReadTokens,
    long CacheWriteTokens,
    long OutputTokens,
    long ReasoningTokens,
    long CostMicros,
    long ChargedMicros,
    long Estimated);
