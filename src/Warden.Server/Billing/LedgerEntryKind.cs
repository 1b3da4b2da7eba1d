namespace Warden.Server.Billing;

/// <summary>The kinds of ledger entry (the <c>kind</c> column): every way a balance can change.</summary>
internal static class LedgerEntryKind
{
    public const string TopUp = "topup";
    public const string Reservation = "reservation";
    public const string Settlement = "settlement";
    public const string Refund = "refund";
    public const string Redemption = "redemption";
    public const string Adjustment = "adjustment";
}
