namespace Warden.Server.Billing;

/// <summary>
/// How many output tokens a request's hold counts (docs/billing.md, "The hold is an upper bound"). A request that
/// names its limit is held at that limit: no upstream generates past it. One that names none is held at the largest
/// output of any model and channel it may be served by: a channel's declared output cap (its policy's
/// <c>max_output_tokens</c>, which Warden writes into every request sent there) else the model's known maximum
/// output. When neither is known, the output is capped at <see cref="UnknownModelCap"/> in the body sent upstream,
/// a change named <c>billing:max_output_tokens=…</c> in the receipt, and held at that.
/// </summary>
internal static class OutputLimits
{
    /// <summary>
    /// The largest output limit a request may name: no model produces ten million tokens in one answer, and below it
    /// every hold fits a long at any price (so a larger number is a client error, a 400, never an overflow).
    /// </summary>
    public const long Ceiling = 10_000_000;

    /// <summary>The cap written into a request that names no limit, for a model whose maximum output is not known.</summary>
    public const long UnknownModelCap = 32_768;

    /// <summary>The change name of that cap (the number follows).</summary>
    public const string CapChange = "billing:max_output_tokens=";

    /// <summary>
    /// The most each well-known model family may generate in one answer, from the providers' model pages (the
    /// largest variant of the family where they differ, so the value stays an upper bound), longest prefix first.
    /// </summary>
    private static readonly (string Prefix, long MaxOutput)[] KnownMaxima =
    [
        ("claude-3-7-sonnet", 128_000),   // 64,000, or 128,000 with the output-128k beta
        ("claude-sonnet-4", 64_000),
        ("claude-haiku-4", 64_000),
        ("claude-opus-4", 64_000),        // 32,000 for 4 and 4.1, 64,000 for 4.5
        ("claude-3-5", 8_192),
        ("claude-3", 4_096),
        ("deepseek-reasoner", 65_536),
        ("deepseek-chat", 8_192),
        ("gemini-2.0", 8_192),
        ("gemini-1.5", 8_192),
        ("gemini-2.5", 65_536),
        ("gemini-3", 65_536),
        ("gpt-3.5-turbo", 4_096),
        ("gpt-4-turbo", 4_096),
        ("gpt-4.1", 32_768),
        ("gpt-4o", 16_384),
        ("chatgpt-4o", 16_384),
        ("gpt-4", 8_192),
        ("gpt-5", 128_000),
        ("o1", 100_000),
        ("o3", 100_000),
        ("o4-mini", 100_000),

        // The built-in simulator's models: their answers are far shorter (its huge-/long- faults, which model an
        // upstream ignoring its limit, are the exception docs/billing.md names).
        ("sim-", 32_768),
    ];

    /// <summary>The known maximum output of <paramref name="model"/> (a provider prefix such as "openai/" is ignored), or null.</summary>
    public static long? KnownMaximum(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        string name = model[(model.LastIndexOf('/') + 1)..];
        long? best = null;
        int bestLength = -1;
        foreach (var (prefix, max) in KnownMaxima)
        {
            if (prefix.Length > bestLength && name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                best = max;
                bestLength = prefix.Length;
            }
        }

        return best;
    }

    /// <summary>
    /// The output a request is held at. <paramref name="stated"/> is the request's own limit (null or not positive:
    /// none); <paramref name="served"/> lists each model and channel cap it may be served with. Cap is true when the
    /// limit must be written into the request (<see cref="UnknownModelCap"/>).
    /// </summary>
    public static (long Tokens, bool Cap) For(long? stated, IEnumerable<(string Model, long? ChannelCap)> served)
    {
        ArgumentNullException.ThrowIfNull(served);
        if (stated is { } limit && limit > 0)
        {
            return (limit, false);
        }

        long held = 0;
        foreach (var (model, channelCap) in served)
        {
            if ((channelCap ?? KnownMaximum(model)) is not { } max)
            {
                return (UnknownModelCap, true);
            }

            held = Math.Max(held, max);
        }

        return held > 0 ? (held, false) : (UnknownModelCap, true);
    }
}
