namespace Warden.Server.Hosting;

/// <summary>How one Warden server runs. The CLI fills it from its options; tests build it directly.</summary>
internal sealed record WardenOptions
{
    public const long DefaultMaxRequestBodyBytes = 32L * 1024 * 1024;

    /// <summary>The data folder: database, master key file.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Address to listen on. Loopback unless the operator says otherwise.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Port to listen on; 0 picks a free one (the chosen URL is reported after start).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>Largest request body accepted. Agent requests are 30-115 KB and grow every turn, hence the generous default.</summary>
    public long MaxRequestBodyBytes { get; init; } = DefaultMaxRequestBodyBytes;

    /// <summary>
    /// The slowest a request body may arrive after a grace period; a slower one is a 408. Null keeps Kestrel's default
    /// (240 bytes/s after 5 s); tests shorten the grace.
    /// </summary>
    public Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate? MinRequestBodyDataRate { get; init; }

    /// <summary>Whether to run the built-in simulator for the Warden-managed demo channel.</summary>
    public bool EnableSimulator { get; init; } = true;

    /// <summary>
    /// Whether the first start of a new data folder loads the built-in price catalog (issue 22). Tests of an operator's
    /// own pricing start without it, so that a model is unpriced until they price it.
    /// </summary>
    public bool LoadPriceCatalog { get; init; } = true;

    /// <summary>A PostgreSQL connection string (issue 24), or null for the SQLite file in the data folder.</summary>
    public string? Database { get; init; }

    /// <summary>Base64 master key from the environment, if set.</summary>
    public string? MasterKeyFromEnvironment { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Minimum log level for Warden's own categories.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>Whether to log to the console (the CLI does; tests capture logs instead).</summary>
    public bool ConsoleLogging { get; init; } = true;

    /// <summary>How long stopping waits for in-flight requests and streams before cutting them.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest complete (non-streamed) upstream answer relayed; a larger one is a 502, and nothing of it reaches the client.</summary>
    public int MaxUpstreamResponseBytes { get; init; } = Relay.RelayOutput.MaxResponseBytes;

    /// <summary>Most upstream attempts for one request (the first try included); retries happen only before the commit point.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>No new attempt starts once a request has spent this long on earlier ones.</summary>
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A channel's time-to-first-byte timeout (until the response headers) when it sets none. Non-streamed answers
    /// send their headers only when the whole answer is ready, hence the generous default.</summary>
    public TimeSpan FirstByteTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A channel's idle timeout (longest silence between two reads after the headers) when it sets none.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long an upstream that has sent its finish is still read after the client disconnected, for the usage that
    /// follows the finish (docs/billing.md, "Disconnect policy"). Before the finish a disconnect cancels at once.
    /// </summary>
    public TimeSpan UsageGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The transparency log keeps the leaf hashes of its last 2^N entries in memory, and of older ones only the root of
    /// each block of 2^N; a proof reaching into an older block reads its leaf hashes back and checks them against that
    /// root (docs/trust.md).
    /// </summary>
    public int TransparencyLogResidentLevel { get; init; } = Trust.TransparencyLog.DefaultResidentLevel;

    /// <summary>
    /// The transparency log's origin (its name in checkpoints) for a log that has none yet, e.g. the public host and a
    /// path; null picks <c>warden.local/&lt;random&gt;</c>. Chosen once at the first start and logged; a different value
    /// later is refused (docs/trust.md, "Origin").
    /// </summary>
    public string? LogOrigin { get; init; }

    /// <summary>The witnesses new checkpoints are submitted to (C2SP tlog-witness); their URLs are the only extra outbound destinations.</summary>
    public IReadOnlyList<Trust.WitnessEndpoint> Witnesses { get; init; } = [];

    /// <summary>Most upstream calls in flight across all channels; beyond it requests are shed with a fast 503 (0: no bound).</summary>
    public int MaxConcurrentUpstreamCalls { get; init; } = 4096;

    /// <summary>Circuit breaker and cool-down tuning of every upstream key (docs/routing.md).</summary>
    public Routing.HealthOptions Health { get; init; } = new();

    /// <summary>How keys of equal priority share traffic when no conversation affinity applies.</summary>
    public Routing.RoutingStrategy RoutingStrategy { get; init; } = Routing.RoutingStrategy.PriorityWeighted;

    /// <summary>The console log's format (<c>--log-format</c>, WARDEN_LOG_FORMAT): plain lines or JSON with request and trace ids.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// <summary>
    /// Serve the metrics at <c>/metrics</c> in Prometheus' text format on the main port, without a key: only aggregate
    /// numbers labelled with names the operator chose (docs/operations.md, "Metrics"). Off with <c>--no-metrics</c>.
    /// </summary>
    public bool ServeMetrics { get; init; } = true;

    /// <summary>
    /// An OpenTelemetry collector to export traces and metrics to over OTLP (<c>--otlp-endpoint</c>,
    /// OTEL_EXPORTER_OTLP_ENDPOINT); null exports nothing. Its address is the only extra outbound destination.
    /// </summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>OTLP over gRPC (the default, port 4317) or HTTP/protobuf (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf, port 4318).</summary>
    public bool OtlpHttpProtobuf { get; init; }

    /// <summary>Redis shared by the nodes for rate limits, leases, cool-downs and circuits (issue 24); null: all in this process.</summary>
    public SharedState.SharedStateOptions? SharedState { get; init; }

    /// <summary>Extra logging providers (tests capture logs to check that no content is logged).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>How receipts are batched for signing (issue 25): the batch bound, and the tests' seams.</summary>
    public Trust.ReceiptBatchOptions ReceiptBatching { get; init; } = new();

    /// <summary>The payment providers customers can top up through (docs/billing.md, "Top-up by payment"); none by default.</summary>
    public Payments.PaymentOptions Payments { get; init; } = new();
}
