namespace Warden.Server.Simulator;

/// <summary>Simulator log events (ids 9000–9099). Never logs prompt or answer content.</summary>
internal static partial class SimulatorLog
{
    // Type and stack trace only: an exception's message can quote the request bytes it failed on.
    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "Simulator request {SimRequestId} failed unexpectedly: {ExceptionType} {StackTrace}")]
    public static partial void RequestFailed(ILogger logger, string simRequestId, string exceptionType, string stackTrace);
}
