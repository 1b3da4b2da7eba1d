using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Warden.Core.Canonical;
using Warden.Core.Providers;
using Warden.Server.Endpoints;
using Warden.Server.Keys;
using Warden.Server.Pipeline;
using Warden.Server.Protocols;
using Warden.Server.Relay;
using Warden.Server.Residency;
using Warden.Server.Routing;
using Warden.Server.Simulator;
using Warden.Server.Telemetry;
using Warden.Server.Trust;
using Warden.Server.Usage;

namespace Warden.Server.Hosting;

/// <summary>
/// One running Warden server: data folder opened, in-process simulator started when the demo channel exists,
/// Kestrel listening. <c>warden serve</c> and the tests start it the same way.
/// </summary>
internal sealed partial class WardenApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SimulatorHost? _simulator;

    private WardenApp(WebApplication app, SimulatorHost? simulator, Uri url, DataFolder data, FirstRunKeys? firstRun)
    {
        _app = app;
        _simulator = simulator;
        Url = url;
        Data = data;
        FirstRun = firstRun;
    }

    /// <summary>The base URL clients use, e.g. http://127.0.0.1:8080/.</summary>
    public Uri Url { get; }

    public DataFolder Data { get; }

    /// <summary>The keys created by this start, when it was the data folder's first.</summary>
    public FirstRunKeys? FirstRun { get; }

    public IServiceProvider Services => _app.Services;

    public SimulatorHost? Simulator => _simulator;

    public IReadOnlyList<string> Models => _app.Services.GetRequiredService<ChannelCatalog>().Models;

    public static async Task<WardenApp> StartAsync(WardenOptions options, CancellationToken cancellationToken)
    {
        var data = DataFolder.Open(options.DataDirectory, options.MasterKeyFromEnvironment, options.Time, options.Database);
        data.Database.DefaultActor = "server";

        // Before the first configuration write of this start, so a folder from before the commitments is baselined here.
        var repairs = ConfigIntegrity.Prepare(data.Database);
        Hosting.FirstRun.EnsureDemoChannel(data, options.EnableSimulator);
        if (options.LoadPriceCatalog)
        {
            Hosting.FirstRun.EnsurePriceCatalog(data);
        }

        SimulatorHost? simulator = null;
        var managed = data.Channels.List().FirstOrDefault(c => c.ManagedSimulator);
        if (options.EnableSimulator && managed is not null)
        {
            simulator = await SimulatorHost.StartAsync(new SimulatorOptions
            {
                Port = 0,
                ApiKey = managed.Credential is null ? null : data.Channels.DecryptCredential(managed),
                Time = options.Time,
            }, cancellationToken);
        }

        var app = Build(options, data, new BuiltInSimulator(simulator?.BaseUrl));
        FirstRunKeys? firstRun;
        try
        {
            // Refuses to start (InvalidDataException) when the stored log does not match its last signed checkpoint, then
            // when the configuration tables do not match what the log committed (issue 19).
            var loggers = app.Services.GetRequiredService<ILoggerFactory>();
            ConfigIntegrity.Report(repairs, loggers.CreateLogger("Warden.Server.Trust"));
            var log = app.Services.GetRequiredService<TransparencyLog>();
            ReleaseStaleHolds(data, loggers.CreateLogger("Warden.Server.Billing"));
            var reloader = app.Services.GetRequiredService<ConfigReloader>();
            reloader.Reload();
            data.ReceiptLog.EntriesCommitted += log.RefreshAfterCommit;
            await app.StartAsync(cancellationToken);

            // Only now that it listens: a start that failed before this point leaves the keys to the next one.
            firstRun = Hosting.FirstRun.IssueKeysOnce(data);
            if (firstRun is not null)
            {
                reloader.Reload();
            }
        }
        catch
        {
            // A port already in use, say: nothing started may outlive the failed start.
            await app.DisposeAsync();
            if (simulator is not null)
            {
                await simulator.DisposeAsync();
            }

            throw;
        }

        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new WardenApp(app, simulator, new Uri(address.EndsWith('/') ? address : address + "/"), data, firstRun);
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops accepting, lets in-flight requests finish, drains the usage queue.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }
    }

    private static WebApplication Build(WardenOptions options, DataFolder data, BuiltInSimulator simulator)
    {
        // The content root is the app's own folder, not the data folder: the host watches its content root for
        // configuration changes, and every WAL write in the data folder would wake that watcher.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();

        builder.Logging.ClearProviders();
        if (options.ConsoleLogging && options.LogFormat == LogFormat.Json)
        {
            // One JSON object per line; a request's lines carry its RequestId and TraceId in their scope (RequestLogScope).
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        }
        else if (options.ConsoleLogging)
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
            });
        }

        // Framework request logs carry paths and query strings (a Gemini client's ?key= among them) and the
        // HttpClient logs carry upstream URLs: both stay at Warning so no key or content can reach a log.
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Warden", options.LogLevel);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        // Hosting starts an Activity and a logging scope for every request whenever this category is enabled at any
        // level; it only writes request start/finish lines at Information, which Warden never shows. Off, so the
        // request path pays for neither.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        options.ConfigureLogging?.Invoke(builder.Logging);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            if (options.MinRequestBodyDataRate is { } rate)
            {
                kestrel.Limits.MinRequestBodyDataRate = rate;
            }

            kestrel.Listen(IPAddress.Parse(options.Host), options.Port);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(options.Time);
        services.AddSingleton(data);
        services.AddSingleton(data.Database);
        services.AddSingleton(simulator);
        services.AddSingleton(data.Keys);
        services.AddSingleton(data.Channels);
        services.AddSingleton(data.Usage);
        services.AddSingleton(sp => new KeyDirectory(data.Hasher, options.Time));
        services.AddSingleton<ChannelCatalog>();
        services.AddSingleton(data.Billing.Catalog);
        services.AddSingleton(data.Aliases);
        services.AddSingleton(data.Policies);
        services.AddSingleton<AliasCatalog>();
        services.AddSingleton<PolicyCatalog>();
        services.AddSingleton(data.Residency);
        services.AddSingleton<ResidencyCatalog>();
        services.AddSingleton<ConfigReloader>();
        services.AddHostedService(sp => sp.GetRequiredService<ConfigReloader>());
        services.AddSingleton<UsageWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<UsageWriter>());

        // No logging handlers around upstream calls: they would log upstream URLs, and they cost on every call.
        // Two pools: channels allowed on the private network (local profiles) never share a connection with the others.
        foreach (string name in (ReadOnlySpan<string>)[UpstreamClientName, PrivateNetworkUpstreamClientName])
        {
            services.AddHttpClient(name, client => client.Timeout = Timeout.InfiniteTimeSpan)
                .RemoveAllLoggers()
                .ConfigurePrimaryHttpMessageHandler(UpstreamConnector.System.CreateHandler)
                .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        }

        services.AddSingleton(sp => new UpstreamAdapter(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(UpstreamClientName),
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(PrivateNetworkUpstreamClientName)));
        services.AddSingleton<UpstreamBodies>();
        services.AddSingleton<OpenAIChatRelay>();
        services.AddSingleton<PassThroughRelay>();
        services.AddSingleton<TranslatingRelay>();
        services.AddSingleton<IRandomSource, SystemRandomSource>();
        if (options.SharedState is { } sharedState)
        {
            // Issue 24: limits, leases, cool-downs and circuits shared by the nodes through Redis (docs/operations.md, "Redis").
            services.AddSingleton(sp => SharedState.RedisState.Connect(sharedState, options.Time, sp.GetRequiredService<ILogger<SharedState.RedisState>>()));
            services.AddHostedService(sp => sp.GetRequiredService<SharedState.RedisState>());
        }

        services.AddSingleton(sp => new UpstreamHealth(options.Time, options.Health,
            sp.GetService<SharedState.RedisState>() is { } redis ? new SharedState.RedisHealthShare(redis) : null));
        services.AddSingleton<RouteSelector>();
        services.AddSingleton(sp => new ConcurrencyGate(options.MaxConcurrentUpstreamCalls));
        services.AddSingleton(sp => new TransferGuard(
            Warden.Core.Protection.PersonalDataDetector.Default,
            new Secrets.SecretStore(data.Database, data.Ring).GetOrCreate(Secrets.SecretStore.PlaceholderKey)));
        services.AddSingleton<AttemptLoop>();
        services.AddSingleton<TokenCounter>();
        services.AddSingleton(sp => sp.GetService<SharedState.RedisState>() is { } redis
            ? new Billing.BillingGate(data.Billing.Catalog, data.Billing.Ledger, new SharedState.RedisRateLimiter(redis, options.Time), options.Time)
            : data.Billing.Gate);
        services.AddSingleton<RelayPipeline>();
        var signingKeys = new SigningKeyStore(data.Database, data.Ring, options.Time).LoadOrCreate();
        services.AddSingleton<ConfigDigestInForce>();
        services.AddSingleton(sp => new ReceiptSigner(signingKeys, options.Time, sp.GetRequiredService<ConfigDigestInForce>(), options.ReceiptBatching));
        services.AddSingleton(sp => new TransparencyLog(
            data.Database, signingKeys, new LogIdentityStore(data.Database, data.Ring, options.Time).LoadOrCreate(options.LogOrigin), options.Time,
            options.TransparencyLogResidentLevel));
        services.AddSingleton<TransparencyLogPoller>();

        // Witnesses: the operator's configured URLs are the only destinations of this client (docs/trust.md, "Witnesses").
        services.AddHttpClient(WitnessSubmitter.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(5) });
        services.AddSingleton(sp => new WitnessSubmitter(
            sp.GetRequiredService<TransparencyLog>(), options.Witnesses,
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(WitnessSubmitter.HttpClientName), options.Time,
            sp.GetRequiredService<ILogger<WitnessSubmitter>>()));
        services.AddHostedService(sp => sp.GetRequiredService<WitnessSubmitter>());
        services.AddHostedService(sp => sp.GetRequiredService<TransparencyLogPoller>());
        services.AddSingleton<RequestReceipts>();
        services.AddSingleton(sp => new ReceiptStore(data.Database));
        services.AddSingleton<Readiness>();
        AddTelemetry(services, options);
        Console.ConsoleSetup.AddConsole(services);
        Payments.PaymentSetup.AddPayments(services, options.Payments, data, options.Time);
        AdminApiDescription.AddAdminOpenApi(services);

        var app = builder.Build();
        var time = options.Time;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Warden.Server.Requests");
        bool jsonLogs = options.ConsoleLogging && options.LogFormat == LogFormat.Json;
        _ = app.Services.GetService<TraceIdsForLogs>();
        app.Use(async (context, next) =>
        {
            // Every response carries the request id under both names clients read (Codex prints either).
            string id = Guid.CreateVersion7(time.GetUtcNow()).ToString();
            context.TraceIdentifier = id;
            context.Response.Headers["x-request-id"] = id;
            context.Response.Headers["request-id"] = id;

            // The request's span (only when tracing or JSON logs listen) and, under JSON logs, its ids on every line.
            using var span = WardenTrace.StartRequest(context);
            using var scope = jsonLogs ? logger.BeginScope(new RequestLogScope(id, span?.TraceId.ToHexString())) : null;
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
            {
                // Kestrel refusing the request itself (a malformed chunk, a body over a size limit, a body sent slower
                // than MinRequestBodyDataRate): the client's doing, so its status (400, 413, 408), not a 500, in the
                // route's protocol. Kestrel closes the connection after it where the framing cannot be trusted.
                context.Response.Clear();
                context.Response.Headers["x-request-id"] = id;
                context.Response.Headers["request-id"] = id;
                await ClientProtocol.ForPath(context.Request.Path).WriteErrorAsync(context, KestrelRefusal(ex));
            }
            catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                // A bug, not an expected failure: the client gets a plain 500 with the request id, never a stack trace.
                Log.UnhandledException(logger, id, ex.GetType().FullName ?? "?", ex.StackTrace ?? "");
                context.Response.Clear();
                context.Response.Headers["x-request-id"] = id;
                context.Response.Headers["request-id"] = id;
                await ClientProtocol.ForPath(context.Request.Path).WriteErrorAsync(context, new ClientError(
                    StatusCodes.Status500InternalServerError, ClientErrorKind.Internal,
                    $"Warden hit an internal error; quote request id {id} to the operator.", null, "internal_error"));
            }
            finally
            {
                if (span is not null)
                {
                    WardenTrace.EndRequest(span, context);
                }
            }
        });
        app.UseStatusCodePages(async status =>
        {
            var response = status.HttpContext.Response;
            string message = response.StatusCode switch
            {
                404 => $"No endpoint at {status.HttpContext.Request.Path}.",
                405 => $"{status.HttpContext.Request.Method} is not allowed on {status.HttpContext.Request.Path}.",
                _ => $"HTTP {response.StatusCode}.",
            };
            await ClientProtocol.ForPath(status.HttpContext.Request.Path).WriteErrorAsync(status.HttpContext, new ClientError(
                response.StatusCode, response.StatusCode == 404 ? ClientErrorKind.NotFound : ClientErrorKind.InvalidRequest,
                message, null, response.StatusCode == 404 ? "unknown_url" : null));
        });

        // Each dialect's routes, tagged with their cells of the operation × dialect table.
        var pipeline = app.Services.GetRequiredService<RelayPipeline>();
        Dialects.DialectRoutes.Map(app, pipeline);
        app.MapGet("/v1/policy", PolicyEndpoint.HandleAsync);
        SelfServiceEndpoints.Map(app);
        app.MapMethods("/", ["GET", "HEAD"], () => Results.Text("Warden\n"));
        HealthEndpoints.Map(app);
        if (options.ServeMetrics)
        {
            app.MapPrometheusScrapingEndpoint("/metrics");
        }

        AdminEndpoints.Map(app);
        ReceiptEndpoints.Map(app);
        TransparencyEndpoints.Map(app);
        Console.ConsoleSetup.Map(app);
        PaymentEndpoints.MapWebhooks(app);
        ApiReference.Map(app);
        return app;
    }

    /// <summary>
    /// Metrics (Meter "Warden") for /metrics and OTLP, traces (ActivitySource "Warden") over OTLP when an endpoint is
    /// configured. The OpenTelemetry SDK listens to Warden's own meter and source only: no framework or HTTP client
    /// instrumentation, whose spans and metrics would carry URLs (a Gemini client's ?key=) and cost on every call.
    /// </summary>
    private static void AddTelemetry(IServiceCollection services, WardenOptions options)
    {
        var scope = new object();
        services.AddSingleton(sp => new WardenMetrics(
            scope, sp.GetRequiredService<ChannelCatalog>(), sp.GetRequiredService<UpstreamHealth>(), sp.GetRequiredService<UsageWriter>(),
            sp.GetService<SharedState.RedisState>()));
        var otlp = options.OtlpEndpoint;
        var protocol = options.OtlpHttpProtobuf ? OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf : OpenTelemetry.Exporter.OtlpExportProtocol.Grpc;

        // Set in code, the endpoint is used as given: over HTTP each signal has its own path under the collector's base.
        Uri Signal(string path) => options.OtlpHttpProtobuf ? new Uri(otlp!, path) : otlp!;
        if (!options.ServeMetrics && otlp is null)
        {
            if (options.ConsoleLogging && options.LogFormat == LogFormat.Json)
            {
                services.AddSingleton<TraceIdsForLogs>();
            }

            return;
        }

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("warden", serviceVersion: typeof(WardenApp).Assembly.GetName().Version?.ToString()))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(WardenMetrics.MeterName);

                // Only this server's meter: another Warden in the same process (the tests run many) has a meter of the same name.
                metrics.AddView(instrument => instrument.Meter.Name == WardenMetrics.MeterName && !ReferenceEquals(instrument.Meter.Scope, scope)
                    ? MetricStreamConfiguration.Drop
                    : null);
                if (options.ServeMetrics)
                {
                    // No response cache: a scrape shows the counts as they are now.
                    metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                }

                if (otlp is not null)
                {
                    metrics.AddOtlpExporter(o =>
                    {
                        o.Endpoint = Signal("v1/metrics");
                        o.Protocol = protocol;
                    });
                }
            });
        if (otlp is not null)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(WardenTrace.SourceName)
                .AddOtlpExporter(o =>
                {
                    o.Endpoint = Signal("v1/traces");
                    o.Protocol = protocol;
                }));
        }
        else if (options.ConsoleLogging && options.LogFormat == LogFormat.Json)
        {
            services.AddSingleton<TraceIdsForLogs>();
        }
    }

    private const string UpstreamClientName = "upstream";
    private const string PrivateNetworkUpstreamClientName = "upstream-private-network";

    private static ClientError KestrelRefusal(BadHttpRequestException ex) => ex.StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge => new ClientError(ex.StatusCode, ClientErrorKind.RequestTooLarge,
            "The request body is larger than this endpoint accepts.", null, "request_too_large"),
        StatusCodes.Status408RequestTimeout => new ClientError(ex.StatusCode, ClientErrorKind.InvalidRequest,
            "The request body arrived too slowly; send it at a steady rate.", null, "request_timeout"),
        _ => new ClientError(ex.StatusCode is >= 400 and < 500 ? ex.StatusCode : StatusCodes.Status400BadRequest, ClientErrorKind.InvalidRequest,
            "The request is malformed at the HTTP level (" + ex.Message.TrimEnd('.') + ").", null, "bad_http_request"),
    };

    /// <summary>
    /// Holds older than this when the server starts were left by a process that stopped mid-request (a crash or a
    /// kill): no live request runs that long, so they are released unbilled. Younger holds may belong to another
    /// server process on the same data folder and are left alone (<c>warden ledger release-stale</c> frees them).
    /// </summary>
    public static readonly TimeSpan StaleHoldAge = TimeSpan.FromMinutes(10);

    private static void ReleaseStaleHolds(DataFolder data, ILogger logger)
    {
        int released = data.Billing.Ledger.ReleaseStale(data.Time.GetUtcNow() - StaleHoldAge);
        if (released > 0)
        {
            Log.StaleHoldsReleased(logger, released, StaleHoldAge);
        }
    }
}
