namespace Warden.Server.Billing;

/// <summary>The five rates of a new price, in micro-units per million tokens, before it gets a version.</summary>
internal sealed record PriceRates(long Input, long Output, long CacheRead, long CacheWrite, long Reasoning)
{
    public string? Problem =>
        Input < 0 || Output < 0 || CacheRead < 0 || CacheWrite < 0 || Reasoning < 0 ? "Prices cannot be negative."
        : Money.AmountProblem(Math.Max(Math.Max(Input, Output), Math.Max(Math.Max(CacheRead, CacheWrite), Reasoning)), "A price per million tokens");
}
