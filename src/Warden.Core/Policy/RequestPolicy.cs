namespace Warden.Core.Policy;

/// <summary>
/// The operator-side changes a channel declares for the requests it receives (issue 4): the only changes Warden may
/// make to a request body, each named in the receipt of every request it was applied to.
/// </summary>
/// <param name="SystemPrefix">Text put before the request's own system prompt (or made the system prompt), when set.</param>
/// <param name="MaxOutputTokensCap">The most output tokens a request may ask for, when set.</param>
/// <param name="Overrides">Top-level request fields set to a fixed value: field name to raw JSON text.</param>
public sealed record RequestPolicy(string? SystemPrefix, long? MaxOutputTokensCap, IReadOnlyDictionary<string, string> Overrides)
{
    /// <summary>True when the policy declares no change at all.</summary>
    public bool IsEmpty => SystemPrefix is null && MaxOutputTokensCap is null && Overrides.Count == 0;
}
