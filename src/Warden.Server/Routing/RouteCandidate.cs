namespace Warden.Server.Routing;

/// <summary>
/// One upstream key as the selector sees it: every key of every channel serving the model is one candidate, so a
/// channel with a pool of keys spreads its load over them and a key that is rate-limited does not take its siblings down.
/// </summary>
/// <param name="KeyId">Stable id of the key; health is tracked per id.</param>
/// <param name="Priority">Higher is tried first; lower groups are fallbacks.</param>
/// <param name="Weight">Share of traffic inside its priority group; at least 1.</param>
internal readonly record struct RouteCandidate(string KeyId, int Priority, int Weight);
