namespace Warden.Server.Console;

/// <summary>One request in the console's usage log: ids, names, counts, money and timings; never content or key material.</summary>
internal sealed record UsageLogRow(
    string RequestId,
    DateTimeOffset CreatedAt,
    string? KeyId,
    string? KeyName,
    string? Tenant,
    string? RequestedModel,
    string? ServedModel,
    string? Channel,
    int Status,
    string Outcome,
    long? InputTokens,
    long? OutputTokens,
    long? CostMicros,
    string? Currency,
    double LatencyMs,
    double? TimeToFirstByteMs,
    bool HasReceipt);
