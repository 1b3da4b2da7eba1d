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

    /// <summary>Whether to run the built-in simulator for the Warden-managed demo channel.</summary>
    public bool EnableSimulator { get; init; } = true;

    /// <summary>Base64 master key from the environment, if set.</summary>
    public string? MasterKeyFromEnvironment { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Minimum log level for Warden's own categories.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>Whether to log to the console (the CLI does; tests capture logs instead).</summary>
    public bool ConsoleLogging { get; init; } = true;

    /// <summary>How long stopping waits for in-flight requests and streams before cutting them.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra logging providers (tests capture logs to check that no content is logged).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }
}
