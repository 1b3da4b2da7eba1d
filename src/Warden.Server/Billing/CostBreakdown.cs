namespace Warden.Server.Billing;

/// <summary>
/// What one request's usage cost at one price version: each component's micros (before the tenant multiplier),
/// the total after the multiplier, and how trustworthy the token counts were.
/// </summary>
/// <remarks><c>UsageSource</c>: "reported", "estimated" or "not_reported".</remarks>
/// <remarks><c>Note</c>: Which components were not reported (they cost 0) and, for estimates, how they were made.</remarks>
internal sealed record CostBreakdown(
    long PriceVersion,
    string Currency,
    long UncachedInputMicros,
    long CacheReadMicros,
    long CacheWriteMicros,
    long OutputMicros,
    long ReasoningMicros,
    long MultiplierPpm,
    long TotalMicros,
    string UsageSource,
    string Note)
{
    public long BaseMicros => UncachedInputMicros + CacheReadMicros + CacheWriteMicros + OutputMicros + ReasoningMicros;
}
