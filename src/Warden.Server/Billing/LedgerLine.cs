namespace Warden.Server.Billing;

/// <summary>One entry of a ledger transaction before it is written: the account, the signed amount and its kind.</summary>
internal readonly record struct LedgerLine(string Account, long AmountMicros, string Kind);
