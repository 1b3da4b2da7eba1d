namespace Warden.Server.Billing;

/// <summary>
/// Names of ledger accounts. Customer accounts hold credit and never go below zero; system accounts are the other
/// side of every movement (credit issued, credit held for running requests, revenue, adjustments), one per currency.
/// </summary>
internal static class LedgerAccounts
{
    public const string Topups = "topups";
    public const string Reserved = "reserved";
    public const string Revenue = "revenue";
    public const string Redemptions = "redemptions";
    public const string Adjustments = "adjustments";

    public static string Tenant(string tenantId) => "tenant:" + tenantId;

    public static string Key(string keyId) => "key:" + keyId;

    public static string System(string name, string currency) => $"system:{name}:{currency}";
}
