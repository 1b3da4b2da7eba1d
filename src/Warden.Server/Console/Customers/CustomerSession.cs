namespace Warden.Server.Console.Customers;

/// <summary>One signed-in customer, held only in the server's memory; the browser holds nothing but the random id.</summary>
/// <param name="Id">256 random bits, base64url: the customer session cookie's value.</param>
/// <param name="Account">The account as it was at sign-in (its tenant never changes).</param>
/// <param name="CreatedAt">Sign-in time.</param>
internal sealed record CustomerSession(string Id, CustomerAccount Account, DateTimeOffset CreatedAt)
{
    public DateTimeOffset LastSeen { get; set; } = CreatedAt;

    public string TenantId => Account.TenantId;
}
