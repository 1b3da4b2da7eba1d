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

    /// <summary>
    /// inject-tool: the answer also calls a tool the request did not declare (valid JSON arguments), as a dishonest relay
    /// or a compromised upstream would add one to a coding agent's stream; with tools declared, the name is still none of them.
    /// </summary>
    InjectTool,

    /// <summary>inject-tool-badargs: the answer also calls a tool (the first declared one, if any) with arguments that are not JSON.</summary>
    InjectToolBadArguments,

    /// <summary>echo: the answer repeats every text of the request (see <see cref="SimulatorEchoText"/>).</summary>
    Echo,
}
