namespace Warden.Server.Simulator;

/// <summary>Simulator log events (ids 9000–9099). Never logs prompt or answer content.</summary>
/// <remarks>
/// Defined with <see cref="LoggerMessage.Define{T1, T2, T3}(LogLevel, EventId, string)"/>, not the [LoggerMessage]
/// generator: the generator's output order across classes is not stable (see <see cref="Telemetry.Log"/>), so the
/// assembly keeps one generated class only, and the simulator keeps its events out of Warden's own.
/// </remarks>
internal static class SimulatorLog
{
    // Type and stack trace only: an exception's message can quote the request bytes it failed on.
    private static readonly Action<ILogger, string, string, string, Exception?> RequestFailedEvent = LoggerMessage.Define<string, string, string>(
        LogLevel.Warning, new EventId(9001, nameof(RequestFailed)), "Simulator request {SimRequestId} failed unexpectedly: {ExceptionType} {StackTrace}");

    public static void RequestFailed(ILogger logger, string simRequestId, string exceptionType, string stackTrace) =>
        RequestFailedEvent(logger, simRequestId, exceptionType, stackTrace, null);
}
