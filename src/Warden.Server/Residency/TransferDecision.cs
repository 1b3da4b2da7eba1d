using Warden.Core.Canonical;
using Warden.Core.Protection;

namespace Warden.Server.Residency;

/// <summary>
/// What <see cref="TransferGuard"/> decided for one attempt: go ahead (with the register row and the receipt's change
/// when the attempt leaves home, and the masked request when values are to be replaced), or refuse. A refusal is
/// <see cref="Final"/> when no other destination can help (the body cannot be read); otherwise the attempt loop skips
/// this destination and answers with <see cref="Refusal"/> only if nothing else was tried.
/// </summary>
internal sealed record TransferDecision(
    TransferRecord? Transfer = null,
    IReadOnlyList<string>? Changes = null,
    PersonalDataMasking? Masking = null,
    ClientError? Refusal = null,
    bool Final = false)
{
    /// <summary>Nothing to check: the attempt stays at home, or no rule applies.</summary>
    public static TransferDecision Proceed { get; } = new();
}
