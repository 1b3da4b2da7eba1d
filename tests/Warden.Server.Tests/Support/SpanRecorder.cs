using System.Collections.Concurrent;
using System.Diagnostics;

namespace Warden.Server.Tests.Support;

/// <summary>
/// Listens to Warden's ActivitySource (as an OTLP exporter would) and keeps every span that ends, recorded with all its
/// data. The source is process-wide, so spans of other tests' servers arrive too: a test picks its own by request id.
/// </summary>
internal sealed class SpanRecorder : IDisposable
{
    private readonly ActivityListener _listener;

    public SpanRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Warden.Server.Telemetry.WardenTrace.SourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ConcurrentQueue<Activity> Stopped { get; } = new();

    /// <summary>The request span of the request with this id (its x-request-id), waiting (bounded) for it to end.</summary>
    public async Task<Activity> RequestSpanAsync(string requestId)
    {
        for (int i = 0; i < 200; i++)
        {
            if (Stopped.FirstOrDefault(a => a.Kind == ActivityKind.Server && (a.GetTagItem("warden.request.id") as string) == requestId) is { } span)
            {
                return span;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"No request span ended for request {requestId}.");
    }

    /// <summary>Every string a span carries: name, tags, events and their tags, links and their tags, status text.</summary>
    public static IEnumerable<string> Texts(Activity span)
    {
        yield return span.DisplayName;
        yield return span.OperationName;
        yield return span.StatusDescription ?? "";
        yield return span.TraceStateString ?? "";
        foreach (var (key, value) in span.TagObjects)
        {
            yield return key + "=" + Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in span.Baggage)
        {
            yield return key + "=" + value;
        }

        foreach (var e in span.Events)
        {
            yield return e.Name;
            foreach (var (key, value) in e.Tags)
            {
                yield return key + "=" + Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        foreach (var link in span.Links)
        {
            yield return link.Context.TraceState ?? "";
            foreach (var (key, value) in link.Tags ?? [])
            {
                yield return key + "=" + Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}
