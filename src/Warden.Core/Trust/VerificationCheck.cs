namespace Warden.Core.Trust;

/// <summary>One named check of <c>warden verify</c> ("signature", "request_hash", …) with its result and why.</summary>
/// <param name="Name">Stable machine name of the check.</param>
/// <param name="Passed">True when the check passed.</param>
/// <param name="Detail">What was found, for the user.</param>
public sealed record VerificationCheck(string Name, bool Passed, string Detail);

/// <summary>The checks run on one receipt or log, in order, and the verified claims when the signature held.</summary>
/// <param name="Checks">Every check run.</param>
/// <param name="Claims">The receipt's claims; only set when the signature verified and the payload parsed.</param>
public sealed record VerificationReport(IReadOnlyList<VerificationCheck> Checks, ReceiptClaims? Claims = null)
{
    /// <summary>True when at least one check ran and none failed.</summary>
    public bool AllPassed => Checks.Count > 0 && Checks.All(c => c.Passed);
}
