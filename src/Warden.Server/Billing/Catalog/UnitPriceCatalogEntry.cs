using System.Text.Json;

namespace Warden.Server.Billing.Catalog;

/// <summary>
/// One per-unit list price in a <see cref="PriceCatalog"/>'s <c>unit_prices</c> (issue 22): a model's price per image
/// (by variant), audio second, speech character or rerank search unit, with its source.
/// </summary>
internal sealed record UnitPriceCatalogEntry(string Model, PriceUnit Unit, string Variant, long MicrosPerUnit, string Source, bool Confirmed, string? Note)
{
    /// <summary>How sync reports name the entry: "dall-e-3 image 1024x1024/hd".</summary>
    public string Label => $"{Model} {PriceUnitNames.Name(Unit)} {Variant}";

    public static (UnitPriceCatalogEntry? Entry, string? Problem) Read(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object || Text(item, "model") is not { Length: > 0 } model)
        {
            return (null, "each unit price needs a \"model\".");
        }

        if (!PriceUnitNames.TryParse(Text(item, "unit"), out var unit))
        {
            return (null, $"{model}: \"unit\" is one of {string.Join(", ", PriceUnitNames.All)}.");
        }

        if (Text(item, "source") is not { Length: > 0 } source)
        {
            return (null, $"{model} names no \"source\".");
        }

        string variant = Text(item, "variant") ?? UnitPrice.AnyVariant;
        if (UnitPriceTable.VariantProblem(unit.Value, variant) is { } variantProblem)
        {
            return (null, $"{model}: {variantProblem}");
        }

        if (!Money.TryParse(Text(item, "price"), out long micros) || micros < 0)
        {
            return (null, $"{model}: \"price\" is a decimal string of at most six decimals (currency units per {PriceUnitNames.Name(unit.Value)}).");
        }

        bool confirmed = item.TryGetProperty("confirmed", out var flag) && flag.ValueKind == JsonValueKind.True;
        return (new UnitPriceCatalogEntry(model, unit.Value, variant, micros, source, confirmed, Text(item, "note")), null);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
