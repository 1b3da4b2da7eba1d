namespace Warden.Server.Residency;

/// <summary>
/// A residency rule as the CLI and the admin API state it, before it is checked. Text values are what the operator
/// typed: <see cref="ResidencyStore.Set"/> validates and normalises them.
/// </summary>
/// <param name="Tenant">Tenant id or name (the rule's subject, or the owner of <paramref name="Key"/> when both are given).</param>
/// <param name="Key">Key id: the rule is this key's, replacing its tenant's.</param>
/// <param name="Home">The home jurisdiction.</param>
/// <param name="Allow">Comma-separated jurisdictions traffic may go to; null or "any" for no restriction.</param>
/// <param name="PersonalDataAbroad">block, mask or allow; null means block.</param>
/// <param name="LegalBasis">Required for allow.</param>
/// <param name="Uninspectable">block or allow; null means allow under an allow rule, block otherwise.</param>
/// <param name="Patterns">Operator-defined recognisers as <c>NAME=REGEX</c> (class <c>custom:NAME</c>), checked like the built-in ones.</param>
internal sealed record ResidencyRuleSpec(
    string? Tenant,
    string? Key,
    string? Home,
    string? Allow = null,
    string? PersonalDataAbroad = null,
    string? LegalBasis = null,
    string? Uninspectable = null,
    IReadOnlyList<string>? Patterns = null);
