namespace Warden.Server.Residency;

/// <summary>
/// One request that left its home jurisdiction, as the transfer register keeps it: who sent it, where it went, which
/// classes of personal data it carried and how many, and what was done. Never content, never values.
/// </summary>
/// <param name="TenantId">The sending key's tenant, when it has one.</param>
/// <param name="Home">The rule's home jurisdiction.</param>
/// <param name="Provider">The destination's provider profile id.</param>
/// <param name="ChannelId">The destination channel.</param>
/// <param name="Jurisdiction">The destination's jurisdiction.</param>
/// <param name="Classes">Class and count, e.g. "cn_id=1,phone=2" (sorted by class); empty when nothing was found.</param>
/// <param name="Uninspected">Images and files that could not be inspected.</param>
/// <param name="Action">"none" (nothing found), "mask" or "allow".</param>
/// <param name="LegalBasis">The rule's legal basis, for "allow".</param>
internal sealed record TransferRecord(
    string? TenantId,
    string Home,
    string Provider,
    string? ChannelId,
    string Jurisdiction,
    string Classes,
    int Uninspected,
    string Action,
    string? LegalBasis);
