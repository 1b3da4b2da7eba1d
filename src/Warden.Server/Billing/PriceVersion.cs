namespace Warden.Server.Billing;

/// <summary>
/// One immutable price of a model, in micro-units of <paramref name="Currency"/> per million tokens. A changed
/// price is a new version; every cost records the version it was computed with.
/// </summary>
internal sealed record PriceVersion(
    long Version,
    string Model,
    string Currency,
    long InputPerMillion,
    long OutputPerMillion,
    long CacheReadPerMillion,
    long CacheWritePerMillion,
    long ReasoningPerMillion,
    DateTimeOffset EffectiveAt,
    DateTimeOffset CreatedAt)
{
    /// <summary>The dearest rate any input token can be charged at (an uncached, cache-read or cache-write token).</summary>
    public long WorstInputPerMillion => Math.Max(InputPerMillion, Math.Max(CacheReadPerMillion, CacheWritePerMillion));

    /// <summary>The dearest rate any output token can be charged at (a visible or a reasoning token).</summary>
    public long WorstOutputPerMillion => Math.Max(OutputPerMillion, ReasoningPerMillion);
}
