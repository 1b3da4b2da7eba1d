namespace Warden.Server.Routing;

/// <summary>
/// The plan for one request: indices into the candidate list, in the order to try them, admissible ones only.
/// When none is admissible, <see cref="Order"/> is empty and <see cref="RetryAfter"/> says when the earliest one
/// becomes available (at least one second), so the client can be told to come back instead of being failed blindly.
/// </summary>
internal sealed record RoutePlan(IReadOnlyList<int> Order, TimeSpan? RetryAfter);
