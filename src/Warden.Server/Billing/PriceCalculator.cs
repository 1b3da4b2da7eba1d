using Warden.Core.Chat;

namespace Warden.Server.Billing;

/// <summary>
/// Integer price math on canonical usage: input counts every input token including cache reads and writes, output
/// counts every generated token including reasoning. Each part is priced at its own rate and rounded up per
/// component: cost = ceil(tokens × price_per_million / 1_000_000); the tenant multiplier (parts per million) is
/// applied to the sum, again rounding up. A component the upstream did not report costs 0 and is named in the note.
/// </summary>
internal static class PriceCalculator
{
    public const long OneMillion = 1_000_000;

    public static long Component(long tokens, long pricePerMillion) =>
        tokens <= 0 ? 0 : Money.MultiplyDivideCeiling(tokens, pricePerMillion, OneMillion);

    public static long ApplyMultiplier(long micros, long multiplierPpm) => Money.MultiplyDivideCeiling(micros, multiplierPpm, OneMillion);

    /// <summary>
    /// The worst case a request can cost: every input token at the dearest input rate, every output token at the
    /// dearest output rate, plus the rounding slack of <see cref="Cost"/>: it rounds each component up, and a sum of k
    /// values rounded up exceeds the rounded-up sum by at most k − 1 micros, so the hold stays an upper bound of any
    /// settlement within these counts (docs/billing.md, "The hold is an upper bound").
    /// </summary>
    /// <exception cref="OverflowException">The worst case does not fit a long (see <see cref="TryWorstCase"/>).</exception>
    public static long WorstCase(PriceVersion price, long estimatedInputTokens, long maxOutputTokens, long multiplierPpm) =>
        TryWorstCase(price, estimatedInputTokens, maxOutputTokens, multiplierPpm, out long worstCase)
            ? worstCase
            : throw new OverflowException("The worst case does not fit a long.");

    /// <summary>The worst case, or false when it does not fit a long (no balance could hold it).</summary>
    public static bool TryWorstCase(PriceVersion price, long inputTokens, long maxOutputTokens, long multiplierPpm, out long worstCase)
    {
        ArgumentNullException.ThrowIfNull(price);
        Int128 input = inputTokens <= 0 ? 0
            : CeilingMillionths((Int128)inputTokens * price.WorstInputPerMillion) + Slack(price.InputPerMillion, price.CacheReadPerMillion, price.CacheWritePerMillion);
        Int128 output = maxOutputTokens <= 0 ? 0
            : CeilingMillionths((Int128)maxOutputTokens * price.WorstOutputPerMillion) + Slack(price.OutputPerMillion, price.ReasoningPerMillion, 0);
        worstCase = 0;
        if (input + output > long.MaxValue)
        {
            return false;
        }

        // Both factors fit a long here, so the product fits the Int128.
        Int128 total = CeilingMillionths((input + output) * multiplierPpm);
        if (total > long.MaxValue)
        {
            return false;
        }

        worstCase = (long)total;
        return true;
    }

    private static Int128 CeilingMillionths(Int128 value) => (value + OneMillion - 1) / OneMillion;

    /// <summary>How many of the components priced at these rates can each round up: one fewer than the priced ones.</summary>
    private static int Slack(long a, long b, long c) => Math.Max(0, (a > 0 ? 1 : 0) + (b > 0 ? 1 : 0) + (c > 0 ? 1 : 0) - 1);

    public static CostBreakdown Cost(PriceVersion price, Warden.Core.Chat.Usage usage, long multiplierPpm, string? estimateMethod = null)
    {
        var missing = new List<string>();
        long cacheRead = Known(usage.CacheReadTokens, "cache_read", missing);
        long cacheWrite = Known(usage.CacheWriteTokens, "cache_write", missing);
        long reasoning = Known(usage.ReasoningTokens, "reasoning", missing);

        // Subsets are taken out of their totals; a total not reported leaves only its reported subsets priced.
        long uncachedInput = usage.InputTokens is { } input ? Math.Max(0, input - cacheRead - cacheWrite) : Missing("input", missing);
        long visibleOutput = usage.OutputTokens is { } output ? Math.Max(0, output - reasoning) : Missing("output", missing);

        long uncachedMicros = Component(uncachedInput, price.InputPerMillion);
        long cacheReadMicros = Component(cacheRead, price.CacheReadPerMillion);
        long cacheWriteMicros = Component(cacheWrite, price.CacheWritePerMillion);
        long outputMicros = Component(visibleOutput, price.OutputPerMillion);
        long reasoningMicros = Component(reasoning, price.ReasoningPerMillion);
        long total = ApplyMultiplier(checked(uncachedMicros + cacheReadMicros + cacheWriteMicros + outputMicros + reasoningMicros), multiplierPpm);

        string source = usage.Source switch
        {
            UsageSource.Reported => "reported",
            UsageSource.Estimated => "estimated",
            _ => "not_reported",
        };
        var notes = new List<string>();
        if (usage.Source == UsageSource.Estimated)
        {
            notes.Add("estimated: " + (estimateMethod ?? "upstream reported no usage; Warden estimated the counts"));
        }

        if (missing.Count > 0)
        {
            notes.Add("not_reported: " + string.Join(",", missing));
        }

        return new CostBreakdown(price.Version, price.Currency, uncachedMicros, cacheReadMicros, cacheWriteMicros, outputMicros,
            reasoningMicros, multiplierPpm, total, source, string.Join("; ", notes));
    }

    /// <summary>
    /// The cost of <paramref name="quantity"/> units (images, started audio seconds, characters, search units) at a unit
    /// price, with the tenant multiplier applied rounding up: ceil(quantity × price × multiplier / 1_000_000). False when
    /// it does not fit a long (no balance could hold it) or the quantity is negative.
    /// </summary>
    public static bool TryUnitCost(UnitPrice price, long quantity, long multiplierPpm, out long micros)
    {
        ArgumentNullException.ThrowIfNull(price);
        micros = 0;
        if (quantity < 0 || multiplierPpm < 0)
        {
            return false;
        }

        // Both factors fit a long, so each product fits the Int128 before the division brings it back.
        Int128 total = CeilingMillionths((Int128)quantity * price.MicrosPerUnit * multiplierPpm);
        if (total > long.MaxValue)
        {
            return false;
        }

        micros = (long)total;
        return true;
    }

    /// <summary>
    /// Audio is billed per started second: 2.01 s is 3 seconds. The duration is the upstream's decimal number, taken as a
    /// decimal (never a binary float, whose 2.0 might be 2.0000000001); false when it is negative or absurdly long.
    /// </summary>
    public static bool TryBillableSeconds(decimal seconds, out long billable)
    {
        billable = 0;
        if (seconds < 0 || seconds > int.MaxValue)
        {
            return false;
        }

        billable = (long)decimal.Ceiling(seconds);
        return true;
    }

    private static long Known(long? tokens, string name, List<string> missing) => tokens ?? Missing(name, missing);

    private static long Missing(string name, List<string> missing)
    {
        missing.Add(name);
        return 0;
    }
}
