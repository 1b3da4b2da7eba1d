using System.Collections;

namespace Warden.Server.Telemetry;

/// <summary>
/// The logging scope of one request under JSON logs: its request id and trace id, written on every line logged while
/// it runs (the JSON console formatter lists a scope's pairs). Both are ids Warden made, nothing a client sent.
/// </summary>
internal sealed class RequestLogScope(string requestId, string? traceId) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => traceId is null ? 1 : 2;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("RequestId", requestId),
        1 when traceId is not null => new("TraceId", traceId),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => traceId is null ? $"RequestId:{requestId}" : $"RequestId:{requestId} TraceId:{traceId}";
}
