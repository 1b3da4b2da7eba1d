using Warden.Core.Canonical;

namespace Warden.Core.Providers;

/// <summary>
/// A provider described as data: OpenAI-compatible vendors differ in URL, auth and quirks,
/// not in code, so each is a profile of the one OpenAI Chat adapter.
/// </summary>
/// <param name="Id">Stable identifier stored with each channel (lower case).</param>
/// <param name="DisplayName">Name shown to operators and in the Warden-Provider header.</param>
/// <param name="Dialect">The wire protocol the provider's API speaks.</param>
/// <param name="DefaultBaseUrl">Base URL including the version segment, ending in a slash.</param>
/// <param name="Auth">How the credential is sent.</param>
/// <param name="Jurisdiction">Where the provider processes data: an ISO 3166 country code, or "local".</param>
/// <param name="Quirks">Deviations from the reference protocol that the adapter must respect.</param>
public sealed record ProviderProfile(
    string Id,
    string DisplayName,
    WireDialectName Dialect,
    Uri DefaultBaseUrl,
    AuthScheme Auth,
    string Jurisdiction,
    ProviderQuirks Quirks)
{
    /// <summary>
    /// A query every request to this provider carries (Azure OpenAI's <c>api-version</c>): channel base URLs may not have
    /// a query of their own, so the profile supplies it.
    /// </summary>
    public string? RequestQuery { get; init; }

    /// <summary>
    /// Whether a channel must give its own base URL: the default is a placeholder (an Azure resource and deployment, a
    /// generic compatible server), never a real endpoint.
    /// </summary>
    public bool BaseUrlRequired { get; init; }

    /// <summary>What an operator must know about this provider beyond base URL and auth, shown by <c>warden channels add --help</c>.</summary>
    public string? Note { get; init; }
}
