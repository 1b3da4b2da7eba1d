using System.Collections.Immutable;

namespace Warden.Server.Routing;

/// <summary>
/// One model a request may be served by, with the upstream keys serving it. The first leg is the requested model (or
/// the target of the alias requested); later legs are the fallback models the key declared, tried only when every key
/// of the earlier legs failed before anything reached the client.
/// </summary>
/// <param name="Model">The model name sent upstream.</param>
/// <param name="ModelChange">How it differs from the requested name ("alias:…", "fallback:…"), or null when it is the same.</param>
/// <param name="IsFallback">True for a declared fallback model: its use is disclosed in headers and the receipt.</param>
/// <param name="Targets">The keys serving it, highest priority first.</param>
internal sealed record RouteLeg(string Model, string? ModelChange, bool IsFallback, ImmutableArray<RouteTarget> Targets)
{
    /// <summary>
    /// What health, cool-down and affinity are tracked by: one upstream key serving one model. Providers rate-limit and
    /// overload per model, so a key that is cooling down for one model still serves the others.
    /// </summary>
    public static string HealthKey(RouteTarget target, string model) => target.KeyId + "/" + model;

    /// <summary>The health key of <paramref name="target"/> for this leg's model.</summary>
    public string HealthKey(RouteTarget target) => HealthKey(target, Model);

    /// <summary>The selector's view of <see cref="Targets"/>, built once per leg.</summary>
    public RouteCandidate[] Candidates()
    {
        var candidates = new RouteCandidate[Targets.Length];
        for (int i = 0; i < candidates.Length; i++)
        {
            var target = Targets[i];
            candidates[i] = new RouteCandidate(HealthKey(target), target.Priority, target.Tuned.Weight);
        }

        return candidates;
    }
}
