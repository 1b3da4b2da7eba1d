namespace Warden.Server.Billing;

/// <summary>A customer of the relay: owns keys and a credit account in one currency, with an optional price multiplier.</summary>
/// <remarks><c>MultiplierPpm</c>: Multiplier on every price in parts per million (1_000_000 = list price).</remarks>
internal sealed record Tenant(string Id, string Name, string Currency, long MultiplierPpm, DateTimeOffset CreatedAt)
{
    public string AccountId => LedgerAccounts.Tenant(Id);
}
