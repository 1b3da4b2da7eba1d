namespace Warden.Server.Billing;

/// <summary>The outcome of <see cref="Ledger.Reserve"/>, with a message for the client when refused.</summary>
internal sealed record ReserveResult(ReserveStatus Status, string? Message = null)
{
    public bool Succeeded => Status is ReserveStatus.Reserved or ReserveStatus.AlreadyReserved;
}
