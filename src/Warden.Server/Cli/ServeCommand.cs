using System.CommandLine;
using Warden.Server.Hosting;
using Warden.Server.Secrets;

namespace Warden.Server.Cli;

/// <summary><c>warden serve</c>: runs the relay until stopped.</summary>
internal static class ServeCommand
{
    public static Command Build()
    {
        var port = new Option<int>("--port") { Description = "Port to listen on (0 picks a free one).", DefaultValueFactory = _ => 8080 };
        var host = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var data = CommonOptions.Data();
        var maxBody = new Option<long>("--max-body-bytes")
        {
            Description = "Largest request body accepted, in bytes.",
            DefaultValueFactory = _ => WardenOptions.DefaultMaxRequestBodyBytes,
        };
        var noSimulator = new Option<bool>("--no-simulator") { Description = "Do not run the built-in simulator: no demo channel on a first start, and this server does not serve the demo models." };

        var logOrigin = new Option<string?>("--log-origin")
        {
            Description = "The transparency log's origin, e.g. relay.example.com/log (only at the first start; later it must match the stored one).",
        };
        var witness = new Option<string[]>("--witness")
        {
            Description = "A witness to submit checkpoints to, as <vkey>@<url> (repeat for more).",
        };
        var logFormat = new Option<string?>("--log-format")
        {
            Description = $"Console log format: text (the default) or json (one object per line with the request id and trace id); default from {LogFormatVariable}.",
        };
        var otlpEndpoint = new Option<string?>("--otlp-endpoint")
        {
            Description = $"Export traces and metrics over OTLP to this collector URL (gRPC, or HTTP/protobuf with {OtlpProtocolVariable}=http/protobuf); default from {OtlpEndpointVariable}.",
        };
        var redis = new Option<string?>("--redis")
        {
            Description = $"Share rate limits, concurrency leases, cool-downs and circuits with the other nodes through this Redis (HOST:PORT); default from {RedisVariable}.",
        };
        var noMetrics = new Option<bool>("--no-metrics") { Description = "Do not serve /metrics (Prometheus text format; aggregate numbers only, no key needed)." };
        var command = new Command("serve", "Run Warden. On first start it creates the data folder, an admin key, a demo key and a demo channel to the built-in simulator.")
        {
            port, host, data, maxBody, noSimulator, logOrigin, witness, logFormat, otlpEndpoint, noMetrics, redis,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CommonOptions.Out(parse);
            var witnesses = new List<Trust.WitnessEndpoint>();
            foreach (string text in parse.GetValue(witness) ?? [])
            {
                if (!Trust.WitnessEndpoint.TryParse(text, out var endpoint, out string? problem))
                {
                    await CommonOptions.Error(parse).WriteLineAsync($"--witness {text}: {problem}");
                    return 2;
                }

                witnesses.Add(endpoint!);
            }

            string formatText = parse.GetValue(logFormat) ?? Environment.GetEnvironmentVariable(LogFormatVariable) ?? "text";
            if (!Enum.TryParse<LogFormat>(formatText, ignoreCase: true, out var format) || !Enum.IsDefined(format))
            {
                await CommonOptions.Error(parse).WriteLineAsync($"--log-format {formatText}: use text or json.");
                return 2;
            }

            Uri? otlp = null;
            if ((parse.GetValue(otlpEndpoint) ?? Environment.GetEnvironmentVariable(OtlpEndpointVariable)) is { Length: > 0 } otlpText
                && (!Uri.TryCreate(otlpText, UriKind.Absolute, out otlp) || otlp.Scheme is not ("http" or "https")))
            {
                await CommonOptions.Error(parse).WriteLineAsync($"--otlp-endpoint {otlpText}: give an http:// or https:// URL of an OpenTelemetry collector.");
                return 2;
            }

            string? redisText = parse.GetValue(redis) ?? Environment.GetEnvironmentVariable(RedisVariable);
            if (redisText is { Length: > 0 } && !IsRedisEndpoint(redisText))
            {
                await CommonOptions.Error(parse).WriteLineAsync($"--redis {redisText}: give the Redis server as HOST:PORT.");
                return 2;
            }

            var options = new WardenOptions
            {
                SharedState = redisText is { Length: > 0 } ? new SharedState.SharedStateOptions(redisText) : null,
                LogFormat = format,
                OtlpEndpoint = otlp,
                OtlpHttpProtobuf = string.Equals(Environment.GetEnvironmentVariable(OtlpProtocolVariable), "http/protobuf", StringComparison.OrdinalIgnoreCase),
                ServeMetrics = !parse.GetValue(noMetrics),
                DataDirectory = parse.GetValue(data)!,
                Database = Storage.WardenDatabase.ChosenConnectionString(parse.GetValue(CommonOptions.Database)),
                Port = parse.GetValue(port),
                Host = parse.GetValue(host)!,
                MaxRequestBodyBytes = parse.GetValue(maxBody),
                EnableSimulator = !parse.GetValue(noSimulator),
                MasterKeyFromEnvironment = Environment.GetEnvironmentVariable(MasterKeyRing.EnvironmentVariable),
                LogOrigin = parse.GetValue(logOrigin),
                Witnesses = witnesses,
                Payments = Payments.PaymentOptions.FromEnvironment(Environment.GetEnvironmentVariable),
            };

            await using var app = await WardenApp.StartAsync(options, cancellationToken);
            PrintBanner(output, app);
            try
            {
                await app.WaitForShutdownAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: dispose drains in-flight requests and the usage queue.
            }

            return 0;
        });
        return command;
    }

    public const string LogFormatVariable = "WARDEN_LOG_FORMAT";
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string OtlpProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";
    public const string RedisVariable = "WARDEN_REDIS";

    /// <summary>Whether the text parses as a Redis configuration naming at least one endpoint.</summary>
    private static bool IsRedisEndpoint(string text)
    {
        try
        {
            return StackExchange.Redis.ConfigurationOptions.Parse(text).EndPoints.Count > 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    internal static void PrintBanner(TextWriter output, WardenApp app)
    {
        output.WriteLine($"Warden is listening on {app.Url}");
        if (app.FirstRun is { } keys)
        {
            output.WriteLine($"Admin key: {keys.AdminKey}");
            output.WriteLine($"Demo key: {keys.DemoKey}");
            output.WriteLine("These keys are shown once and stored only as hashes: keep them now.");
        }

        output.WriteLine($"Models: {string.Join(", ", app.Models)}");
        if (app.Simulator is { } simulator)
        {
            output.WriteLine($"Simulator: {simulator.BaseUrl} (built in; serves the demo channel)");
        }

        output.WriteLine($"Data folder: {app.Data.Directory} (master key: {(app.Data.Ring.FilePath is null ? MasterKeyRing.EnvironmentVariable : MasterKeyRing.FileName)})");
        if (app.Data.Residency.List().Count == 0)
        {
            // Issue 20: no restriction by default, so nothing changes until the operator opts in; say how to.
            output.WriteLine("Residency: no rule, requests may go to any channel's jurisdiction. To keep a tenant's data at home:");
            output.WriteLine($"  warden protection set --tenant T --home CN --allow CN,local --personal-data-abroad mask --data {app.Data.Directory}");
        }
        if (app.FirstRun is not null && app.Models.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Try it:");
            output.WriteLine($"  curl {app.Url}v1/chat/completions -H \"Authorization: Bearer $WARDEN_KEY\" -H 'Content-Type: application/json' \\");
            output.WriteLine($"    -d '{{\"model\":\"{app.Models[0]}\",\"messages\":[{{\"role\":\"user\",\"content\":\"Hello\"}}]}}'");
            output.WriteLine("  (set WARDEN_KEY to the demo key above)");
        }
        else if (app.Models.Count == 0)
        {
            // Nothing to try yet (--no-simulator, or every channel removed): say how to add one instead of a call that cannot answer.
            output.WriteLine();
            output.WriteLine("No channel serves a model yet. Add one (the credential is read from the environment, never the command line):");
            output.WriteLine("  export PROVIDER_KEY=sk-...");
            output.WriteLine($"  warden channels add --name N --provider P --models a,b --credential-env PROVIDER_KEY --data {app.Data.Directory}");
            output.WriteLine($"  (providers: {string.Join(", ", Warden.Core.Providers.ProviderProfiles.All.Select(p => p.Id))}; a running server picks it up within a second)");
        }

        output.Flush();
    }
}
