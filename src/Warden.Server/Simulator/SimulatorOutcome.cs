namespace Warden.Server.Simulator;

internal enum SimulatorOutcome
{
    /// <summary>The answer (possibly slowed or reshaped by a fault such as latency, pace or nousage) was delivered in full.</summary>
    Completed,

    /// <summary>A fault replaced or broke the answer: an error status, a disconnect, or a malformed body.</summary>
    Faulted,

    /// <summary>The client went away before the answer was complete.</summary>
    ClientCancelled,

    /// <summary>The request was invalid (bad JSON, missing messages, unknown model or fault) and got a 4xx error.</summary>
    Rejected,

    /// <summary>The simulator was shut down while the request was in flight.</summary>
    ServerStopped,
}
