namespace Warden.Server.Routing;

/// <summary>How the selector orders the keys of one priority group when the request has no conversation affinity.</summary>
internal enum RoutingStrategy
{
    /// <summary>Weighted random order: spreads load in proportion to the weights.</summary>
    PriorityWeighted,

    /// <summary>Fastest measured time to first byte first; unmeasured keys go first so they get measured.</summary>
    LeastLatency,
}
