namespace Warden.Server.Routing;

/// <summary>Tuning of <see cref="UpstreamHealth"/>; the defaults suit hosted LLM APIs, where a key that failed five times in a row is rarely back within seconds.</summary>
internal sealed class HealthOptions
{
    /// <summary>Consecutive health failures that open a key's circuit.</summary>
    public int FailuresToOpen { get; init; } = 5;

    /// <summary>How long an open circuit keeps the key out before one probe is let through.</summary>
    public TimeSpan OpenFor { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Cool-down after a 429 that carried no Retry-After.</summary>
    public TimeSpan DefaultCoolDown { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Upper bound on any cool-down, so a hostile or buggy Retry-After cannot park a key for hours.</summary>
    public TimeSpan MaxCoolDown { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Weight of the newest sample in the time-to-first-byte moving average.</summary>
    public double LatencyAlpha { get; init; } = 0.2;
}
