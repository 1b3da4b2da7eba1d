using System.Text.Json;

namespace Warden.Server.Billing.Catalog;

/// <summary>
/// A dated, versioned list of public list prices (<c>prices.json</c>, built in; or a newer file given to <c>warden prices
/// sync --file</c>). Amounts are decimal strings parsed straight to micros, never through a floating-point number.
/// </summary>
internal sealed record PriceCatalog(string Version, DateOnly Date, string Currency, IReadOnlyList<PriceCatalogEntry> Entries, IReadOnlyList<UnitPriceCatalogEntry>? UnitEntries = null)
{
    /// <summary>The per-unit prices (issue 22: images, audio seconds, characters, search units); empty when the file has none.</summary>
    public IReadOnlyList<UnitPriceCatalogEntry> Units => UnitEntries ?? [];

    private const string ResourceName = "Warden.Server.Billing.Catalog.prices.json";

    /// <summary>The catalog compiled into this build.</summary>
    public static PriceCatalog BuiltIn { get; } = LoadBuiltIn();

    /// <summary>Reads a catalog; a problem names the first thing wrong with it (nothing of a faulty file is applied).</summary>
    public static (PriceCatalog? Catalog, string? Problem) Parse(ReadOnlySpan<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException ex)
        {
            return (null, "The catalog is not valid JSON: " + ex.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || Text(root, "version") is not { Length: > 0 } version
                || !DateOnly.TryParseExact(Text(root, "date"), "yyyy-MM-dd", out var date)
                || Text(root, "currency") is not { } currency || Currencies.Problem(currency) is not null
                || !root.TryGetProperty("models", out var models) || models.ValueKind != JsonValueKind.Array)
            {
                return (null, "The catalog needs \"version\", \"date\" (yyyy-MM-dd), a valid \"currency\" and a \"models\" array.");
            }

            var entries = new List<PriceCatalogEntry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in models.EnumerateArray())
            {
                var (entry, problem) = PriceCatalogEntry.Read(item);
                if (entry is null)
                {
                    return (null, $"models[{entries.Count}]: {problem}");
                }

                if (!seen.Add(entry.Model))
                {
                    return (null, $"models[{entries.Count}]: {entry.Model} is listed twice.");
                }

                entries.Add(entry);
            }

            var units = new List<UnitPriceCatalogEntry>();
            if (root.TryGetProperty("unit_prices", out var unitPrices))
            {
                if (unitPrices.ValueKind != JsonValueKind.Array)
                {
                    return (null, "\"unit_prices\" must be an array.");
                }

                var seenUnits = new HashSet<string>(StringComparer.Ordinal);
                foreach (var item in unitPrices.EnumerateArray())
                {
                    var (unit, problem) = UnitPriceCatalogEntry.Read(item);
                    if (unit is null)
                    {
                        return (null, $"unit_prices[{units.Count}]: {problem}");
                    }

                    if (!seenUnits.Add(unit.Label))
                    {
                        return (null, $"unit_prices[{units.Count}]: {unit.Label} is listed twice.");
                    }

                    units.Add(unit);
                }
            }

            return (new PriceCatalog(version, date, Currencies.Normalise(currency), entries, units), null);
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static PriceCatalog LoadBuiltIn()
    {
        using var stream = typeof(PriceCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException("The built-in price catalog is missing from the build.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var (catalog, problem) = Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        return catalog ?? throw new InvalidOperationException("The built-in price catalog is invalid: " + problem);
    }
}
