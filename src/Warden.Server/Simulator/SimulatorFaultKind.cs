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

    /// <summary>long-N: N KiB of text like huge-N, streamed in the usual small chunks (many events, as a model sends them).</summary>
    Long,
    Pace,

    /// <summary>midstream-error: the dialect's in-stream error event after some output.</summary>
    MidstreamError,

    /// <summary>reset-N: the connection is reset, body unread, when the request's body is larger than N bytes (as a
    /// provider or its proxy drops an oversized upload). Known before the body is read: the URL prefix and the header.</summary>
    Reset,

    /// <summary>usagedelay-N: N ms between a stream's finish and the usage that follows it (Chat's usage chunk).</summary>
    UsageDelay,

    /// <summary>echo: the answer repeats every text of the request (see <see cref="SimulatorEchoText"/>).</summary>
    Echo,
}
