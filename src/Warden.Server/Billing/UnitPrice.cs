namespace Warden.Server.Billing;

/// <summary>
/// One immutable price per unit of a model (issue 22), in micro-units of <paramref name="Currency"/> per
/// <paramref name="Unit"/>. <paramref name="Variant"/> narrows it: for images "SIZE/QUALITY" (say "1024x1024/hd"),
/// "SIZE/*" or "*" for any; for the other units "*". A changed price is a new version.
/// </summary>
internal sealed record UnitPrice(
    long Version,
    string Model,
    string Currency,
    PriceUnit Unit,
    string Variant,
    long MicrosPerUnit,
    string Source,
    DateTimeOffset EffectiveAt,
    DateTimeOffset CreatedAt)
{
    public const string AnyVariant = "*";

    public const string OperatorSource = "operator";

    /// <summary>The image variant of a size and quality ("1024x1024/hd").</summary>
    public static string ImageVariant(string size, string quality) => size + "/" + quality;

    /// <summary>
    /// The variants to look up for a requested one, most specific first: "1024x1024/hd", then "1024x1024/*", then "*".
    /// </summary>
    public static IEnumerable<string> Fallbacks(string variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        if (variant != AnyVariant)
        {
            yield return variant;
            int slash = variant.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0 && variant[(slash + 1)..] != AnyVariant)
            {
                yield return variant[..slash] + "/" + AnyVariant;
            }
        }

        yield return AnyVariant;
    }
}
