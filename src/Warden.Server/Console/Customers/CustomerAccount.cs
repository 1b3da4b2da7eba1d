namespace Warden.Server.Console.Customers;

/// <summary>A customer's sign-in to the console's customer side: one tenant's member, who sees only that tenant's data.</summary>
/// <param name="Id">UUIDv7.</param>
/// <param name="TenantId">The tenant whose balance, keys, usage and receipts the account sees.</param>
/// <param name="Name">The sign-in name the invitee chose; unique across Warden.</param>
/// <param name="TotpEnabled">Whether sign-in needs a TOTP (or recovery) code as well.</param>
/// <param name="CreatedAt">When the invitation was accepted.</param>
/// <param name="DisabledAt">When an operator disabled it; a disabled account cannot sign in and its sessions end.</param>
internal sealed record CustomerAccount(string Id, string TenantId, string Name, bool TotpEnabled, DateTimeOffset CreatedAt, DateTimeOffset? DisabledAt)
{
    public bool Active => DisabledAt is null;

    /// <summary>The audit actor of what the customer changes (their keys): <c>customer:&lt;name&gt;</c>.</summary>
    public string Actor => "customer:" + Name;
}
