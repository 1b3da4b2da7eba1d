namespace Warden.Server.Billing;

/// <summary>
/// A settled request: what its usage cost at the recorded price version, what the ledger actually took, and whether
/// this call found it already settled (a retried settlement, billed once).
/// </summary>
/// <remarks><c>ShortfallMicros</c>: Cost beyond the hold that the balance could not cover; recorded, never taken.</remarks>
internal sealed record SettlementResult(
    string RequestId,
    long PriceVersion,
    string Currency,
    long ReservedMicros,
    long CostMicros,
    long ChargedMicros,
    long ShortfallMicros,
    string UsageSource,
    string UsageNote,
    bool AlreadySettled)
{
    public long RefundedMicros => Math.Max(0, ReservedMicros - ChargedMicros);
}
