using System.Text.Json;

namespace Warden.Server.Billing.Catalog;

/// <summary>One model's list price in a <see cref="PriceCatalog"/>, with where it came from and whether it was read there.</summary>
internal sealed record PriceCatalogEntry(string Model, PriceRates Rates, string Source, bool Confirmed, string? Note)
{
    /// <summary>
    /// Reads one entry: input and output are required; a missing cached_input or cache_write is billed at input and a
    /// missing reasoning at output, as <c>warden prices set</c> does.
    /// </summary>
    public static (PriceCatalogEntry? Entry, string? Problem) Read(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object || Text(item, "model") is not { Length: > 0 } model)
        {
            return (null, "each entry needs a \"model\".");
        }

        if (Text(item, "source") is not { Length: > 0 } source)
        {
            return (null, $"{model} names no \"source\".");
        }

        long? input = Amount(item, "input"), output = Amount(item, "output");
        long? cached = Amount(item, "cached_input"), write = Amount(item, "cache_write"), reasoning = Amount(item, "reasoning");
        if (input is null or < 0 || output is null or < 0 || cached < 0 || write < 0 || reasoning < 0
            || (item.TryGetProperty("cached_input", out _) && cached is null)
            || (item.TryGetProperty("cache_write", out _) && write is null)
            || (item.TryGetProperty("reasoning", out _) && reasoning is null))
        {
            return (null, $"{model}: every price is a decimal string of at most six decimals, and input and output are required.");
        }

        var rates = new PriceRates(input.Value, output.Value, cached ?? input.Value, write ?? input.Value, reasoning ?? output.Value);
        if (rates.Problem is { } problem)
        {
            return (null, $"{model}: {problem}");
        }

        bool confirmed = item.TryGetProperty("confirmed", out var flag) && flag.ValueKind == JsonValueKind.True;
        return (new PriceCatalogEntry(model, rates, source, confirmed, Text(item, "note")), null);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Amount(JsonElement element, string name) =>
        Money.TryParse(Text(element, name), out long micros) ? micros : null;
}
