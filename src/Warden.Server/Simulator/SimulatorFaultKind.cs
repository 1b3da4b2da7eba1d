namespace Warden.Server.Simulator;

/// <summary>The kinds of injected fault; see <see cref="SimulatorFault.KnownFaults"/>.</summary>
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

    /// <summary>midstream-error: the dialect's in-stream error event after some output.</summary>
    MidstreamError,
}
