namespace Warden.Server.Simulator;

/// <summary>Simulator log events (ids 9000–9099). Never logs prompt or answer content.</summary>
internal static partial class SimulatorLog
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "Simulator request {SimRequestId} failed unexpectedly")]
    public static partial void RequestFailed(ILogger logger, string simRequestId, Exception exception);
}
