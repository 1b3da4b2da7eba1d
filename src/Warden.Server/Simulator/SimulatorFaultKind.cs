namespace Warden.Server.Simulator;

internal enum SimulatorFaultKind
{
    Latency,
    RateLimited,
    ServerError,
    Unavailable,
    Overloaded,
    Disconnect,
    Malformed,
    NoUsage,
    Stall,
    Huge,
    Pace,
}
