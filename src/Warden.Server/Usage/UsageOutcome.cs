namespace Warden.Server.Usage;

/// <summary>The outcome codes stored in usage records.</summary>
internal static class UsageOutcome
{
    public const string Completed = "completed";
    public const string ClientError = "client_error";
    public const string UpstreamError = "upstream_error";
    public const string UpstreamCutStream = "upstream_cut_stream";
    public const string ClientCancelled = "client_cancelled";

    /// <summary>Refused by billing before forwarding: no credit, a budget, a rate limit, or a model with no price.</summary>
    public const string RefusedBilling = "refused_billing";

    /// <summary>Refused by a residency rule (issue 20): no allowed route, or personal data that may not leave home.</summary>
    public const string RefusedResidency = "refused_residency";

    /// <summary>The upstream answered, but the answer's settlement failed, so it was withheld (the client got a 503).</summary>
    public const string SettlementFailed = "settlement_failed";

    /// <summary>
    /// The answer's usage record and receipt could not be committed before its end, so the end was withheld: a complete
    /// answer became a 503, a stream ended with an in-protocol error instead of its final event.
    /// </summary>
    public const string RecordFailed = "record_failed";

    /// <summary>
    /// The answer called a tool the request did not declare, or with arguments that are not a JSON object, and the call was
    /// stopped before it reached the client (<see cref="Relay.ToolCallGuard"/>): a complete answer became a 502, a stream
    /// ended with its in-stream error.
    /// </summary>
    public const string ToolCallRefused = "tool_call_refused";
}
