using System.Diagnostics;
using Warden.Core.Providers;
using Warden.Server.Routing;

namespace Warden.Server.Relay;

/// <summary>
/// One try of one upstream key for one request: the cancellation that ends it (the client going away, or one of the
/// channel's timeouts) and what it measured. Until the response headers arrive the first-byte timeout runs; after
/// them, the idle timeout runs between every two reads, so a stalled upstream ends in an error, never a hang.
/// </summary>
/// <remarks>
/// The idle timeout is checked, not re-armed, on every read: <see cref="Touch"/> only notes the time (it runs twice per
/// streamed event, and re-arming a timer takes the timer queue's lock each time). One timer fires after the idle
/// timeout and either cancels the attempt, if nothing arrived since, or waits again for the rest of the period.
/// Like the first-byte timeout, it runs on real time, not on the server's <see cref="TimeProvider"/>.
/// </remarks>
internal sealed class UpstreamAttempt : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly CancellationToken _client;
    private readonly CancellationTokenRegistration _clientGone;
    private readonly ILogger _logger;
    private readonly string _requestId;
    private readonly TimeProvider _time;
    private readonly long _started;
    private bool _headersReceived;
    private ITimer? _idleTimer;
    private long _lastActivity;
    private volatile bool _disposed;
    private volatile bool _finished;

    public UpstreamAttempt(
        RouteTarget target, string upstreamModel, TimeSpan firstByteTimeout, TimeSpan idleTimeout, TimeProvider time, ILogger logger, string requestId, CancellationToken clientAborted)
    {
        Target = target;
        UpstreamModel = upstreamModel;
        FirstByteTimeout = firstByteTimeout;
        IdleTimeout = idleTimeout;
        _time = time;
        _client = clientAborted;
        _logger = logger;
        _requestId = requestId;
        _started = time.GetTimestamp();
        _source = new CancellationTokenSource();
        _source.CancelAfter(firstByteTimeout);

        // Not a linked source: the disconnect is logged (the moment Warden observed it) and the upstream call cancelled
        // in the same callback, in that order. Once the upstream has sent its finish, the call is left the usage grace
        // to deliver the usage that follows it (docs/billing.md, "Disconnect policy"), then cancelled.
        _clientGone = clientAborted.UnsafeRegister(
            static state =>
            {
                var attempt = (UpstreamAttempt)state!;
                Telemetry.Log.ClientDisconnected(attempt._logger, attempt._requestId);
                if (attempt._finished)
                {
                    attempt.CancelAfterGrace();
                }
                else
                {
                    attempt._source.Cancel();
                }
            },
            this);
    }

    /// <summary>
    /// How long a call whose upstream already sent its finish is read after the client has gone, for the usage that
    /// follows the finish (Chat's usage chunk); <see cref="Hosting.WardenOptions.UsageGrace"/>.
    /// </summary>
    public TimeSpan UsageGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// True once the upstream has sent its finish (Chat's finish_reason, Anthropic's stop_reason, Responses'
    /// response.completed, Gemini's finishReason): the answer is produced, only its usage may still be on the way.
    /// </summary>
    public bool Finished => _finished;

    /// <summary>True when the client left after the upstream's finish: the relay reads on for the usage, writing nowhere.</summary>
    public bool DrainingForUsage => _finished && _client.IsCancellationRequested;

    public RouteTarget Target { get; }

    /// <summary>The model name sent upstream: the requested one, an alias's target, or a declared fallback model.</summary>
    public string UpstreamModel { get; }

    /// <summary>Largest complete answer read from the upstream.</summary>
    public int MaxResponseBytes { get; init; } = RelayOutput.MaxResponseBytes;

    /// <summary>How the model sent upstream differs from the requested one ("alias:a->m", "fallback:a->b"), or null.</summary>
    public string? ModelChange { get; init; }

    public TimeSpan FirstByteTimeout { get; }

    public TimeSpan IdleTimeout { get; }

    /// <summary>Cancelled when the client goes away or a timeout of this attempt expires.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>True when the attempt ended because the upstream was too slow (not because the client left).</summary>
    public bool TimedOut => _source.IsCancellationRequested && !_client.IsCancellationRequested;

    /// <summary>Time from sending to the upstream's response headers, once they arrived.</summary>
    public TimeSpan? TimeToHeaders { get; private set; }

    /// <summary>The upstream answered with headers: from here the idle timeout guards every read.</summary>
    public void HeadersReceived()
    {
        Touch();
        if (!_headersReceived)
        {
            _headersReceived = true;
            TimeToHeaders = _time.GetElapsedTime(_started);
            if (!_source.IsCancellationRequested)
            {
                // The first byte came in time: from here the idle timer guards the upstream.
                _source.CancelAfter(Timeout.InfiniteTimeSpan);
                _idleTimer = TimeProvider.System.CreateTimer(static state => ((UpstreamAttempt)state!).CheckIdle(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _idleTimer.Change(IdleTimeout, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>
    /// The upstream sent its finish. From here a client disconnect no longer cancels the call at once: it has
    /// <see cref="UsageGrace"/> to deliver its usage, so a client cannot avoid paying for output by leaving between
    /// the finish and the usage (issue 18).
    /// </summary>
    public void UpstreamFinished() => _finished = true;

    private void CancelAfterGrace()
    {
        try
        {
            _source.CancelAfter(UsageGrace);
        }
        catch (ObjectDisposedException)
        {
            // The attempt ended while the client left.
        }
    }

    /// <summary>Something arrived from the upstream: the idle period starts over.</summary>
    public void Touch() => Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());

    private void CheckIdle()
    {
        var quiet = Stopwatch.GetElapsedTime(Volatile.Read(ref _lastActivity));
        if (_disposed)
        {
            return;
        }

        try
        {
            if (quiet >= IdleTimeout)
            {
                _source.Cancel();
            }
            else
            {
                _idleTimer!.Change(IdleTimeout - quiet, Timeout.InfiniteTimeSpan);
            }
        }
        catch (ObjectDisposedException)
        {
            // The attempt ended while the timer fired.
        }
    }

    /// <summary>The error for an attempt that timed out, naming which wait ran out.</summary>
    public UpstreamError TimeoutError() => _headersReceived
        ? new UpstreamError(UpstreamErrorKind.Timeout, $"The upstream provider sent nothing for {IdleTimeout.TotalSeconds:0.###} s.")
        : new UpstreamError(UpstreamErrorKind.Timeout, $"The upstream provider did not answer within {FirstByteTimeout.TotalSeconds:0.###} s.");

    /// <summary>How a stream that stalled after the commit point is described to the client.</summary>
    public string StalledBecause() => $"the upstream sent nothing for {IdleTimeout.TotalSeconds:0.###} s";

    public void Dispose()
    {
        _disposed = true;
        _idleTimer?.Dispose();
        _clientGone.Dispose();
        _source.Dispose();
    }
}
