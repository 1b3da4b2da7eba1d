using System.Diagnostics;

namespace Warden.Server.Telemetry;

/// <summary>
/// What an upstream call carries of tracing: the W3C <c>traceparent</c> of Warden's own attempt span, and nothing
/// else (no tracestate, no baggage). The span's trace is Warden's own (<see cref="WardenTrace.StartRequest"/>), so
/// nothing a client sent reaches the upstream this way; with no span (tracing off) the call carries no header at all.
/// </summary>
internal sealed class TraceParentPropagator : DistributedContextPropagator
{
    public const string Header = "traceparent";

    public static TraceParentPropagator Instance { get; } = new();

    public override IReadOnlyCollection<string> Fields { get; } = [Header];

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter)
    {
        // Only a span of Warden's in W3C form: one the HTTP client might start itself is a child of it, so its parent
        // (the attempt) is the one named.
        while (activity is not null && activity.Source.Name != WardenTrace.SourceName)
        {
            activity = activity.Parent;
        }

        if (activity is { IdFormat: ActivityIdFormat.W3C, Id: { } id } && setter is not null)
        {
            setter(carrier, Header, id);
        }
    }

    /// <summary>Warden never reads trace context from an upstream's answer.</summary>
    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
    {
        traceId = null;
        traceState = null;
    }

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) => null;
}
