using System.Security.Cryptography;
using System.Text;
using Warden.Core.Canonical;
using Warden.Core.Protection;
using Warden.Server.Pipeline;
using Warden.Server.Routing;

namespace Warden.Server.Residency;

/// <summary>
/// The per-attempt decision of issue 20, taken before an attempt leaves home: when the destination's jurisdiction is
/// not the rule's home, the request is decoded and scanned (once per request, whatever the number of attempts), and
/// <list type="bullet">
/// <item>images and files (not inspectable) are refused when the rule says so;</item>
/// <item>nothing found: it goes, registered as a transfer with action "none";</item>
/// <item><see cref="PersonalDataAction.Block"/>: refused with a 403 <c>personal_data_abroad</c> that names the classes,
/// the destination and the rule, never a value;</item>
/// <item><see cref="PersonalDataAction.Allow"/>: it goes unchanged, registered with the rule's legal basis;</item>
/// <item><see cref="PersonalDataAction.Mask"/>: it goes with placeholders in place of the values (the relay restores them
/// in the answer).</item>
/// </list>
/// A request with no rule, or whose attempt stays at home, is neither decoded nor scanned.
/// </summary>
internal sealed class TransferGuard(PersonalDataDetector detector, byte[] placeholderSecret)
{
    public TransferDecision Decide(RelayRequest request, RouteTarget target)
    {
        if (request.Residency is not { } rule || !rule.LeavesHome(target.Jurisdiction))
        {
            return TransferDecision.Proceed;
        }

        if (request.PersonalData is not { } scan)
        {
            if (!request.Protocol.Codec.TryDecodeRequest(request.Body, request.Context, out var canonical, out var parseError))
            {
                // Fail closed: what cannot be read cannot be vouched for, and no destination reads it better.
                return Unreadable(parseError!);
            }

            scan = (rule.Detector ?? detector).Scan(canonical);
            request.PersonalData = scan;
        }

        string destination = $"{target.Jurisdiction} (provider {target.Upstream.Profile.Id}, channel {target.ChannelName})";
        if (scan.NotInspected > 0 && rule.Uninspectable == UninspectableAction.Block)
        {
            return Refuse(
                $"This request holds {scan.NotInspected} image(s) or file(s) that cannot be inspected for personal data and would have gone to {destination}; " +
                $"the residency rule {rule.Name} (home {rule.Home}) does not let uninspected content leave home.");
        }

        string classes = scan.Describe();
        if (!scan.Found)
        {
            return Go(rule, target, request, "", "none", null, [$"transfer:{target.Jurisdiction}"], null);
        }

        switch (rule.PersonalDataAbroad)
        {
            case PersonalDataAction.Allow:
                return Go(rule, target, request, classes, "allow", rule.LegalBasis,
                    [$"pii:allow:{classes}", $"transfer:{target.Jurisdiction};basis={rule.LegalBasis}"], null);

            case PersonalDataAction.Mask:
                // Masked once per request (a fresh decode, masked in place) and reused by every attempt abroad.
                if (request.PersonalDataMasking is not { } masking)
                {
                    if (!request.Protocol.Codec.TryDecodeRequest(request.Body, request.Context, out var fresh, out var error))
                    {
                        return Unreadable(error!);
                    }

                    masking = (rule.Detector ?? detector).Mask(fresh, ConversationKey(request));
                    request.PersonalDataMasking = masking;
                }

                return Go(rule, target, request, classes, "mask", null, [$"pii:mask:{classes}", $"transfer:{target.Jurisdiction}"], masking);

            default:
                return Refuse(
                    $"This request contains personal data ({classes}) and would have gone to {destination}; " +
                    $"the residency rule {rule.Name} (home {rule.Home}, personal data abroad: block) refused it. No value is shown here or kept.");
        }
    }

    /// <summary>
    /// The key placeholders are derived with: one per tenant (per key for a key without one), from a server secret, so
    /// that a value gets the same placeholder in every turn of a conversation but no one can tell which value it stands for.
    /// </summary>
    private byte[] ConversationKey(RelayRequest request)
    {
        string scope = request.TenantId is { } tenant ? "tenant:" + tenant : "key:" + request.Key!.Id;
        return HMACSHA256.HashData(placeholderSecret, Encoding.UTF8.GetBytes("warden-placeholders\n" + scope));
    }

    private static TransferDecision Go(ResidencyRule rule, RouteTarget target, RelayRequest request, string classes, string action, string? basis, IReadOnlyList<string> changes, PersonalDataMasking? masking) =>
        new(new TransferRecord(request.TenantId, rule.Home, target.Upstream.Profile.Id, target.ChannelId, target.Jurisdiction, classes, request.PersonalData!.NotInspected, action, basis),
            changes, masking);

    private static TransferDecision Unreadable(Core.Dialects.RequestParseError error) =>
        new(Refusal: new ClientError(StatusCodes.Status400BadRequest, ClientErrorKind.InvalidRequest, error.Message, error.Param), Final: true);

    private static TransferDecision Refuse(string message) =>
        new(Refusal: new ClientError(StatusCodes.Status403Forbidden, ClientErrorKind.Permission, message, null, "personal_data_abroad"));
}
