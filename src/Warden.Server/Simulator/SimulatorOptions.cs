namespace Warden.Server.Simulator;

internal sealed record SimulatorOptions
{
    /// <summary>Loopback address to bind ("127.0.0.1", "::1" or "localhost"); anything else is refused.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks an ephemeral port (read it back from <see cref="SimulatorHost.BaseUrl"/>).</summary>
    public int Port { get; init; }

    /// <summary>When set, every request must carry "Authorization: Bearer &lt;key&gt;".</summary>
    public string? ApiKey { get; init; }

    /// <summary>Default pause between streamed chunks; the pace-N fault overrides it per request.</summary>
    public int ChunkDelayMs { get; init; }

    /// <summary>Approximate characters of content per streamed chunk.</summary>
    public int ChunkChars { get; init; } = 12;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// When set, sampled answers (temperature above 0, no seed) draw from this seed in the order requests arrive, so a
    /// bench run is reproducible; null draws from the operating system's generator.
    /// </summary>
    public long? SamplingSeed { get; init; }

    /// <summary>What a dishonest relay would do to answers (<c>--dishonest MODE</c>); honest by default.</summary>
    public SimulatorDishonesty Dishonesty { get; init; } = SimulatorDishonesty.Honest;
}
