using Warden.Core.Canonical;
using Warden.Core.Policy;
using Warden.Server.Pipeline;
using Warden.Server.Routing;

namespace Warden.Server.Relay;

/// <summary>
/// The one place where the body sent upstream may differ from what the relay built: the model name (an alias's target
/// or a declared fallback model), the channel's declared policy (system-prompt prefix, output cap, overrides) and the
/// output cap a metered hold needs (<see cref="RelayRequest.OutputCap"/>).
/// Every change made here is named in <see cref="RelayRequest.Changes"/>, and so in the receipt; there is no other
/// code path that alters a request on the operator's behalf.
/// </summary>
internal sealed class UpstreamBodies(PolicyCatalog policies)
{
    private static readonly Dictionary<string, string> NoOverrides = [];

    /// <summary>Returns the bytes to send for this attempt and records their hash and every change applied.</summary>
    /// <exception cref="FormatException">The body's shape cannot take the channel's policy (it is then not sent at all).</exception>
    /// <param name="request">The request (its changes and upstream hash are updated).</param>
    /// <param name="attempt">The attempt (target channel and upstream model).</param>
    /// <param name="body">The body the relay built for the upstream's dialect.</param>
    /// <param name="upstreamDialect">The dialect of <paramref name="body"/>.</param>
    /// <param name="modelInBody">Whether the body still carries the client's model name (pass-through of a dialect with the model in the body).</param>
    public ReadOnlyMemory<byte> Prepare(RelayRequest request, UpstreamAttempt attempt, ReadOnlyMemory<byte> body, WireDialectName upstreamDialect, bool modelInBody)
    {
        if (attempt.ModelChange is { } modelChange)
        {
            request.Changes.Add(modelChange);
            if (modelInBody && !string.Equals(attempt.UpstreamModel, request.Facts!.Model, StringComparison.Ordinal))
            {
                body = RequestPolicyApplier.ReplaceModel(body.Span, attempt.UpstreamModel);
            }
        }

        // Per attempt: the receipt states the version of the policy of the channel that answered.
        request.PolicyVersion = null;
        if (policies.For(attempt.Target.ChannelId) is { IsEmpty: false } policy
            && RequestPolicyApplier.Apply(body.Span, upstreamDialect, policy.ToRequestPolicy()) is { } applied)
        {
            request.PolicyVersion = policy.Version;
            body = applied.Body;
            request.Changes.AddRange(applied.Changes);
        }

        // After the channel's policy, so the hold's output bound holds whatever the policy wrote.
        if (request.OutputCap is { } cap
            && RequestPolicyApplier.Apply(body.Span, upstreamDialect, new RequestPolicy(null, cap, NoOverrides)) is { } capped)
        {
            body = capped.Body;
            request.Changes.Add(Billing.OutputLimits.CapChange + cap.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        request.UpstreamBody = body;
        return body;
    }
}
