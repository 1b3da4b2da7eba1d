using System.Diagnostics;

namespace Warden.Server.Telemetry;

/// <summary>
/// Under JSON logs with no trace export, Warden's spans are still created (not recorded, nothing exported) so that every
/// request has a trace id to log and to send upstream in its traceparent: a log line and the upstream's own logs can
/// then be matched. With OTLP export on, the exporter's listener does this and this one is not started.
/// </summary>
internal sealed class TraceIdsForLogs : IDisposable
{
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name == WardenTrace.SourceName,
        Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
    };

    public TraceIdsForLogs() => ActivitySource.AddActivityListener(_listener);

    public void Dispose() => _listener.Dispose();
}
