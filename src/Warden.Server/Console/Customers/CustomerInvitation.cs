namespace Warden.Server.Console.Customers;

/// <summary>
/// A one-time invitation to become a member of a tenant. Only the token's hash is stored; the token itself appears once,
/// in <see cref="Link"/>, which the operator hands over (Warden sends no e-mail).
/// </summary>
internal sealed record CustomerInvitation(string Id, string TenantId, string Token, DateTimeOffset ExpiresAt)
{
    public const string AcceptPath = ConsoleSetup.PathPrefix + "/my/invitation";

    /// <summary>The path of the accept page with the token, relative to the server's base URL.</summary>
    public string Link => AcceptPath + "?token=" + Token;
}
