using System.Diagnostics;
using System.Diagnostics.Metrics;
using Warden.Core.Canonical;
using Warden.Server.Routing;
using Warden.Server.Usage;

namespace Warden.Server.Telemetry;

/// <summary>
/// Warden's metrics (Meter "Warden"), exported at <c>/metrics</c> for Prometheus and over OTLP when configured
/// (docs/operations.md lists each with its meaning). Labels are only names the operator chose (routed models,
/// channels), protocol names, outcomes and error kinds: never a key, a tenant, a credential, content, or a model name a
/// client made up (an unrouted request counts under <see cref="Unrouted"/>). Counting is a few interlocked adds per
/// request with tags on the stack (<see cref="TagList"/>), never per stream event.
/// </summary>
internal sealed class WardenMetrics : IDisposable
{
    public const string MeterName = "Warden";

    /// <summary>The model label of a request that never routed (bad body, unknown model, no key): a client's text stays out.</summary>
    public const string Unrouted = "_unrouted";

    /// <summary>The outcome of an upstream attempt that answered.</summary>
    public const string AttemptOk = "ok";

    private static readonly string[] CircuitStates = ["closed", "half-open", "open", "cooling"];

    private readonly Counter<long> _requests;
    private readonly Counter<long> _errors;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _cost;
    private readonly Counter<long> _attempts;
    private readonly UpDownCounter<long> _openStreams;
    private readonly Meter _meter;

    /// <param name="scope">This server's own object: its exporters take the meter whose scope it is and drop the others
    /// named "Warden" (several servers in one process, as in the tests, each export only their own numbers).</param>
    /// <param name="catalog">The routing table, for the circuit states.</param>
    /// <param name="health">The upstream keys' health.</param>
    /// <param name="usageWriter">The usage writer, for its queue depth.</param>
    /// <param name="shared">The link to the nodes' Redis when one is configured, for whether it is degraded.</param>
    public WardenMetrics(object scope, ChannelCatalog catalog, UpstreamHealth health, UsageWriter usageWriter, SharedState.RedisState? shared = null)
    {
        var meter = _meter = new Meter(new MeterOptions(MeterName) { Scope = scope });
        _requests = meter.CreateCounter<long>("warden.requests", "{request}",
            "Relayed requests, by client protocol, routed model and outcome.");
        _errors = meter.CreateCounter<long>("warden.request.errors", "{request}",
            "Relayed requests that did not complete, by error type (the outcome) and HTTP status.");
        _duration = meter.CreateHistogram<double>("warden.request.duration", "s",
            "Time from a relayed request's arrival to the end of its answer.");
        _timeToFirstToken = meter.CreateHistogram<double>("warden.request.time_to_first_token", "s",
            "Time from a streamed request's arrival to its first byte sent to the client (the commit point).");
        _tokens = meter.CreateCounter<long>("warden.tokens", "{token}",
            "Tokens as the upstream reported them (or Warden estimated them), by type (input or output) and model.");
        _cost = meter.CreateCounter<long>("warden.cost", "{micro_unit}",
            "Cost of settled requests in micro-units of the tenant's currency, by currency and model.");
        _attempts = meter.CreateCounter<long>("warden.upstream.attempts", "{attempt}",
            "Upstream attempts, by channel, provider and outcome (ok or the upstream error kind).");
        _openStreams = meter.CreateUpDownCounter<long>("warden.streams.open", "{stream}",
            "Streamed requests being relayed now, by client protocol.");
        meter.CreateObservableGauge("warden.upstream.circuit_state", () => CircuitStatesNow(catalog, health), "{key}",
            "1 for the state each upstream key is in for each model (closed, half-open, open, cooling), 0 for the others.");
        meter.CreateObservableGauge("warden.usage_writer.queue_depth", () => usageWriter.QueueDepth, "{record}",
            "Usage records waiting for the usage writer's next group commit.");
        meter.CreateObservableGauge("warden.shared_state.degraded", () => shared is { Degraded: true } ? 1 : 0, "{state}",
            "1 while the Redis shared by the nodes cannot be used and each limit is this node's local share; 0 otherwise (or without Redis).");
        meter.CreateObservableGauge("warden.shared_state.nodes", () => shared?.LastKnownNodes ?? 1, "{node}",
            "Live nodes sharing the Redis as last counted (1 without Redis): the divisor of a limit's local share while degraded.");
    }

    public void Dispose() => _meter.Dispose();

    /// <summary>The label of a client protocol.</summary>
    public static string ProtocolName(WireDialectName dialect) => Core.Dialects.WireDialects.For(dialect).Label;

    public void StreamOpened(WireDialectName protocol) => _openStreams.Add(1, new KeyValuePair<string, object?>("warden.protocol", ProtocolName(protocol)));

    public void StreamClosed(WireDialectName protocol) => _openStreams.Add(-1, new KeyValuePair<string, object?>("warden.protocol", ProtocolName(protocol)));

    public void AttemptEnded(string channel, string providerProfile, string outcome)
    {
        var tags = new TagList
        {
            { "warden.channel", channel },
            { "gen_ai.provider.name", WardenTrace.ProviderName(providerProfile) },
            { "warden.attempt.outcome", outcome },
        };
        _attempts.Add(1, tags);
    }

    /// <summary>One relayed request ended (once, from the pipeline's finally).</summary>
    public void RequestEnded(RequestFigures figures)
    {
        string protocol = ProtocolName(figures.Protocol);
        string model = figures.RoutedModel ?? Unrouted;
        var tags = new TagList
        {
            { "warden.protocol", protocol },
            { "gen_ai.request.model", model },
            { "warden.outcome", figures.Outcome },
        };
        _requests.Add(1, tags);
        if (_duration.Enabled)
        {
            _duration.Record(figures.Duration.TotalSeconds, tags);
        }

        if (figures.Outcome != UsageOutcome.Completed)
        {
            _errors.Add(1, new TagList
            {
                { "warden.protocol", protocol },
                { "error.type", figures.Outcome },
                { "http.response.status_code", figures.Status },
            });
        }

        var byModel = new TagList { { "warden.protocol", protocol }, { "gen_ai.request.model", model } };
        if (figures.TimeToFirstToken is { } ttft)
        {
            _timeToFirstToken.Record(ttft.TotalSeconds, byModel);
        }

        if (figures.InputTokens is { } input and > 0)
        {
            _tokens.Add(input, new TagList { { "gen_ai.request.model", model }, { "gen_ai.token.type", "input" } });
        }

        if (figures.OutputTokens is { } output and > 0)
        {
            _tokens.Add(output, new TagList { { "gen_ai.request.model", model }, { "gen_ai.token.type", "output" } });
        }

        if (figures.CostMicros is > 0 && figures.Currency is { } currency)
        {
            _cost.Add(figures.CostMicros.Value, new TagList { { "gen_ai.request.model", model }, { "warden.currency", currency } });
        }
    }

    private static IEnumerable<Measurement<int>> CircuitStatesNow(ChannelCatalog catalog, UpstreamHealth health)
    {
        foreach (var (model, target) in catalog.AllTargets())
        {
            string state = health.Snapshot(RouteLeg.HealthKey(target, model)).State;
            foreach (string candidate in CircuitStates)
            {
                yield return new Measurement<int>(candidate == state ? 1 : 0, new TagList
                {
                    { "warden.channel", target.ChannelName },
                    { "warden.channel.key_index", target.KeyIndex },
                    { "gen_ai.request.model", model },
                    { "warden.circuit.state", candidate },
                });
            }
        }
    }
}
