using System.Collections.Immutable;
using Warden.Core.Protection;

namespace Warden.Server.Residency;

/// <summary>
/// Where one tenant's (or one key's) traffic may go and what happens to personal data that would leave home (issue 20).
/// "local" (the operator's own network) counts as home: a request to it leaves no country, but it is a destination
/// like any other for <see cref="Allowed"/>, so a rule that allows only <c>CN</c> also keeps traffic off local servers.
/// </summary>
/// <param name="Scope">A tenant's rule, or one key's (replacing its tenant's rule).</param>
/// <param name="SubjectId">The tenant's or the key's id.</param>
/// <param name="Home">The home jurisdiction, e.g. CN.</param>
/// <param name="Allowed">The jurisdictions traffic may go to at all; empty means any.</param>
/// <param name="PersonalDataAbroad">What happens to personal data whose destination is not home.</param>
/// <param name="LegalBasis">The named legal basis of <see cref="PersonalDataAction.Allow"/> (required for it), recorded with each transfer.</param>
/// <param name="Uninspectable">What happens to images and files going abroad under block or mask.</param>
/// <param name="Version">1 for the first rule, +1 on every change.</param>
/// <param name="UpdatedAt">When it was last set.</param>
internal sealed record ResidencyRule(
    ResidencyScope Scope,
    string SubjectId,
    string Home,
    ImmutableArray<string> Allowed,
    PersonalDataAction PersonalDataAbroad,
    string? LegalBasis,
    UninspectableAction Uninspectable,
    int Version,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The operator's own recognisers of this rule (class <c>custom:NAME</c>), in the order they were given.</summary>
    public IReadOnlyList<CustomPersonalDataPattern> Patterns { get; init; } = [];

    /// <summary>The detector for this rule: the built-in recognisers and <see cref="Patterns"/>; null when it has none of its own.</summary>
    public PersonalDataDetector? Detector { get; init; }

    /// <summary>This rule with its operator patterns and the detector that runs them (stored patterns were checked when set).</summary>
    public ResidencyRule WithPatterns(IReadOnlyList<CustomPersonalDataPattern> patterns) => patterns.Count == 0 ? this : this with
    {
        Patterns = patterns,
        Detector = new PersonalDataDetector(new PersonalDataDetectorOptions { CustomPatterns = patterns }),
    };

    /// <summary>Whether traffic may go to <paramref name="jurisdiction"/> at all.</summary>
    public bool Allows(string jurisdiction)
    {
        if (Allowed.IsDefaultOrEmpty)
        {
            return true;
        }

        foreach (string allowed in Allowed)
        {
            if (Jurisdictions.Same(allowed, jurisdiction))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a request sent to <paramref name="jurisdiction"/> leaves home (a transfer: checked and registered).</summary>
    public bool LeavesHome(string jurisdiction) =>
        !Jurisdictions.Same(jurisdiction, Home) && !Jurisdictions.Same(jurisdiction, Jurisdictions.Local);

    /// <summary>How the rule is named in errors and receipts: "tenant:&lt;id&gt; v3".</summary>
    public string Name => (Scope == ResidencyScope.Tenant ? "tenant:" : "key:") + SubjectId + " v" + Version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The allowed set as written ("CN,local"), or "any".</summary>
    public string AllowedText => Allowed.IsDefaultOrEmpty ? "any" : string.Join(',', Allowed);

    public static string ActionName(PersonalDataAction action) => action switch
    {
        PersonalDataAction.Block => "block",
        PersonalDataAction.Mask => "mask",
        _ => "allow",
    };

    public static string ActionName(UninspectableAction action) => action == UninspectableAction.Block ? "block" : "allow";
}
