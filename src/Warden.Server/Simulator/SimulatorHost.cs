using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Warden.Server.Simulator.Operations;

namespace Warden.Server.Simulator;

/// <summary>
/// A loopback Kestrel server that imitates an AI provider in four dialects: OpenAI Chat Completions
/// (/v1/chat/completions), OpenAI Responses (/v1/responses), Anthropic Messages (/v1/messages,
/// /v1/messages/count_tokens) and Gemini (/v1beta/models/{model}:generateContent and friends). Every route also
/// answers under "/_fault/{faults}/" (see <see cref="SimulatorFaultPrefix"/>), so each channel pointed at the
/// simulator can get its own faults through its base URL. Built on the empty
/// builder so nothing from the embedding process leaks in: no appsettings, no ASPNETCORE_URLS, no
/// Ctrl+C handling (the owner decides when it stops).
/// </summary>
internal sealed class SimulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    private SimulatorHost(WebApplication app, Uri rootUrl, SimulatorJournal journal, SimulatorFaultCounters counters)
    {
        _app = app;
        FaultCounters = counters;
        RootUrl = rootUrl;
        BaseUrl = new Uri(rootUrl, "v1/");
        GeminiBaseUrl = new Uri(rootUrl, "v1beta/");
        Journal = journal;
    }

    /// <summary>The OpenAI- and Anthropic-style base URL, ending in "/v1/".</summary>
    public Uri BaseUrl { get; }

    /// <summary>The Gemini-style base URL, ending in "/v1beta/".</summary>
    public Uri GeminiBaseUrl { get; }

    /// <summary>The server root, ending in "/" (the journal is at _simulator/journal under it).</summary>
    public Uri RootUrl { get; }

    public SimulatorJournal Journal { get; }

    /// <summary>Requests counted so far per "/_fault/first-N:.../" prefix text.</summary>
    public SimulatorFaultCounters FaultCounters { get; }

    /// <summary>The OpenAI- and Anthropic-style base URL whose every request gets <paramref name="faults"/> (see <see cref="SimulatorFaultPrefix"/>).</summary>
    public Uri FaultBaseUrl(string faults) => FaultUrl(faults, "v1/");

    /// <summary>The Gemini-style base URL whose every request gets <paramref name="faults"/>.</summary>
    public Uri FaultGeminiBaseUrl(string faults) => FaultUrl(faults, "v1beta/");

    /// <summary>reset-N from the URL prefix or the header (the model suffix is inside the body, which is never read).</summary>
    private static bool ResetsBody(HttpContext context)
    {
        var pathFaults = SimulatorPathFaults.Get(context)?.Faults ?? [];
        string? header = context.Request.Headers[SimulatorFaultPlan.HeaderName];
        return (pathFaults.Count > 0 || header is not null)
            && SimulatorFaultPlan.TryCreate(pathFaults, [], header, out var plan, out _)
            && plan.ResetAboveBytes is { } limit
            && context.Request.ContentLength > limit;
    }

    public static async Task<SimulatorHost> StartAsync(SimulatorOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Time, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, IPEndPoint.MaxPort, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.ChunkDelayMs, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ChunkChars, 1, nameof(options));
        var address = LoopbackAddress(options.Host);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, options.Port);
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, OwnerControlledLifetime>();

        // In-flight streams stop on ApplicationStopping, so shutdown never needs the 30 s default.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(console => console.SingleLine = true);

        var app = builder.Build();
        var journal = new SimulatorJournal();
        var counters = new SimulatorFaultCounters();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<SimulatorHost>();
        var answers = new SimulatorAnswerSource(options);
        SimulatorEndpoint Endpoint(SimulatorWire wire) => new(wire, options, journal, answers, logger, lifetime.ApplicationStopping);
        var chat = Endpoint(new SimulatorChatWire());
        var anthropic = Endpoint(new SimulatorAnthropicWire());
        var responses = Endpoint(new SimulatorResponsesWire());
        var gemini = Endpoint(new SimulatorGeminiWire());
        var operations = new SimulatorOperationsEndpoint(options, journal, lifetime.ApplicationStopping);
        var expectedKey = options.ApiKey is null ? null : Encoding.UTF8.GetBytes(options.ApiKey);

        app.Use((context, next) =>
        {
            // Before routing, so a "/_fault/{faults}" prefix is gone by the time routes are matched.
            SimulatorPathFaults.Strip(context);
            SimulatorRequestId.Assign(context, options.Time);
            var dialect = SimulatorDialects.FromPath(context.Request.Path);
            var error = Authenticate(context.Request, dialect, expectedKey);
            if (error is not null)
            {
                return SimulatorResponses.WriteErrorAsync(context, dialect, error, context.RequestAborted);
            }

            // A first-N window counts every authenticated request under its prefix, whatever the route.
            SimulatorPathFaults.Count(context, counters);
            if (ResetsBody(context))
            {
                // Closing with the body unread makes the kernel answer the sender with a reset.
                context.Abort();
                return Task.CompletedTask;
            }

            return next(context);
        });
        app.UseRouting();
        app.MapPost("/v1/chat/completions", chat.HandleAsync);
        app.MapPost("/v1/responses", responses.HandleAsync);
        app.MapPost("/v1/messages", anthropic.HandleAsync);
        app.MapPost("/v1/messages/count_tokens", anthropic.CountTokensAsync);
        app.MapPost("/v1beta/models/{**" + SimulatorGeminiWire.TargetRouteValue + "}", context =>
        {
            SimulatorGeminiWire.TrySplitTarget(context, out var model, out var method);
            if (model is not null && method is not null && operations.TryHandleGemini(context, model, method, out var embedding))
            {
                return embedding;
            }

            return method switch
            {
                "generateContent" or "streamGenerateContent" => gemini.HandleAsync(context),
                "countTokens" => gemini.CountTokensAsync(context),
                _ => SimulatorResponses.WriteErrorAsync(context, SimulatorDialect.Gemini, SimulatorError.UnknownUrl(context.Request.Method, context.Request.Path), context.RequestAborted),
            };
        });
        operations.Map(app);
        app.MapGet("/v1beta/models", context => ListModelsAsync(context, options.Time, SimulatorJson.WriteGeminiModels));
        app.MapGet("/v1/models", context => ListModelsAsync(context, options.Time, SimulatorJson.WriteModels));
        app.MapGet("/_simulator/journal", context => WriteBodyAsync(context, buffer => SimulatorJson.WriteJournal(buffer, journal.Snapshot())));
        app.MapGet("/_simulator/journal/{id}", context =>
        {
            var entry = journal.Find(context.Request.RouteValues["id"] as string ?? "");
            return entry is null
                ? SimulatorResponses.WriteErrorAsync(context.Response, SimulatorError.UnknownUrl(context.Request.Method, context.Request.Path), context.RequestAborted)
                : WriteBodyAsync(context, buffer => SimulatorJson.WriteJournalEntry(buffer, entry));
        });
        app.MapFallback("{*path}", context =>
            SimulatorResponses.WriteErrorAsync(context, SimulatorDialects.FromPath(context.Request.Path), SimulatorError.UnknownUrl(context.Request.Method, context.Request.Path), context.RequestAborted));

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new SimulatorHost(app, new Uri(bound.TrimEnd('/') + "/"), journal, counters);
    }

    /// <summary>Completes when the host stops; cancelling the token stops it (the IHost convention).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private static IPAddress LoopbackAddress(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        if (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address))
        {
            return address;
        }

        // The simulator answers anyone without real credentials, so it must never be reachable off-box.
        throw new ArgumentException($"The simulator only listens on loopback; '{host}' is not a loopback address.", nameof(host));
    }

    /// <summary>
    /// Checks the key where the dialect's clients send it: OpenAI "Authorization: Bearer"; Anthropic
    /// x-api-key or Bearer; Gemini x-goog-api-key or ?key=.
    /// </summary>
    private static SimulatorError? Authenticate(HttpRequest request, SimulatorDialect dialect, byte[]? expectedKey)
    {
        if (expectedKey is null)
        {
            return null;
        }

        var presentedText = dialect switch
        {
            SimulatorDialect.Anthropic => NonEmpty(request.Headers["x-api-key"].ToString()) ?? BearerToken(request),
            SimulatorDialect.Gemini => NonEmpty(request.Headers["x-goog-api-key"].ToString()) ?? NonEmpty(request.Query["key"].ToString()),
            _ => BearerToken(request),
        };
        if (presentedText is null)
        {
            return SimulatorError.MissingApiKey(dialect);
        }

        var presented = Encoding.UTF8.GetBytes(presentedText.Trim());
        return CryptographicOperations.FixedTimeEquals(presented, expectedKey) ? null : SimulatorError.IncorrectApiKey(dialect);
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        return header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? header[Scheme.Length..] : null;
    }

    private static string? NonEmpty(string value) => value.Length == 0 ? null : value;

    /// <summary>
    /// A models list, with the faults that make sense for it (from the URL prefix, then the header): an invalid
    /// fault is refused, latency-N waits, an error-status fault replaces the list; stream faults do nothing.
    /// Not journaled: the journal records answering requests only.
    /// </summary>
    private static async Task ListModelsAsync(HttpContext context, TimeProvider time, Action<IBufferWriter<byte>> write)
    {
        var dialect = SimulatorDialects.FromPath(context.Request.Path);
        var pathFaults = SimulatorPathFaults.Get(context);
        var header = context.Request.Headers[SimulatorFaultPlan.HeaderName].ToString();
        string? faultError = pathFaults?.Error;
        if (faultError is null && SimulatorFaultPlan.TryCreate(pathFaults?.Faults ?? [], [], header, out var faults, out faultError))
        {
            if (faults.LatencyMs > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(faults.LatencyMs), time, context.RequestAborted);
            }

            if (faults.ErrorStatus is { } status)
            {
                await SimulatorResponses.WriteErrorAsync(context, dialect, SimulatorError.FromFault(status), context.RequestAborted);
                return;
            }

            await WriteBodyAsync(context, write);
            return;
        }

        await SimulatorResponses.WriteErrorAsync(context, dialect, SimulatorError.UnknownFault(faultError!), context.RequestAborted);
    }

    private Uri FaultUrl(string faults, string basePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(faults);
        return new Uri(RootUrl.AbsoluteUri + SimulatorFaultPrefix.Segment.TrimStart('/') + "/" + faults + "/" + basePath);
    }

    private static Task WriteBodyAsync(HttpContext context, Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        write(buffer);
        return SimulatorResponses.WriteAsync(context.Response, StatusCodes.Status200OK, buffer.WrittenMemory, context.RequestAborted);
    }

    /// <summary>Stops only when the owner disposes the host or cancels <see cref="WaitForShutdownAsync"/>.</summary>
    private sealed class OwnerControlledLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
