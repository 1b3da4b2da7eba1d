using System.Data.Common;
using Warden.Server.Storage;
using Warden.Server.Trust;

namespace Warden.Server.Billing;

/// <summary>
/// The versioned per-unit prices (<c>unit_prices</c>, issue 22): images, audio seconds, speech characters and rerank
/// search units. Like <see cref="PriceTable"/>, every version is kept and a new one is a logged configuration event
/// (<c>unit_price.set</c>). Lookups read an in-memory list that is re-read whenever the billing snapshot is reloaded,
/// which every price change does.
/// </summary>
internal sealed class UnitPriceTable(WardenDatabase database, BillingCatalog catalog, TimeProvider time)
{
    private Cached? _cache;

    /// <summary>Adds an operator's version for a model, unit and variant (effective now unless given); returns it, or a problem.</summary>
    public (UnitPrice? Price, string? Problem) Set(string model, string currency, PriceUnit unit, string? variant, long microsPerUnit, DateTimeOffset? effectiveAt = null)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            return (null, "A model name is required.");
        }

        if (Currencies.Problem(currency) is { } currencyProblem)
        {
            return (null, currencyProblem);
        }

        if (microsPerUnit < 0)
        {
            return (null, "Prices cannot be negative.");
        }

        if (Money.AmountProblem(microsPerUnit, "A price per unit") is { } amountProblem)
        {
            return (null, amountProblem);
        }

        string normalisedVariant = string.IsNullOrWhiteSpace(variant) ? UnitPrice.AnyVariant : variant.Trim();
        if (VariantProblem(unit, normalisedVariant) is { } variantProblem)
        {
            return (null, variantProblem);
        }

        var now = time.GetUtcNow();
        var price = new UnitPrice(0, model, Currencies.Normalise(currency), unit, normalisedVariant, microsPerUnit, UnitPrice.OperatorSource,
            SqlTime.Parse(SqlTime.Format(effectiveAt ?? now)), SqlTime.Parse(SqlTime.Format(now)));
        long version = database.ChangeConfiguration((connection, transaction) =>
        {
            long inserted = Insert(connection, transaction, price);
            return (inserted, new ConfigEvent("unit_price.set", $"{model}/{price.Currency}/{PriceUnitNames.Name(unit)}/{normalisedVariant}", database.CurrentActor));
        });
        catalog.Reload();
        return (price with { Version = version }, null);
    }

    /// <summary>
    /// The price in force for a model's unit and variant now or at a time, trying the variant's fallbacks ("SIZE/QUALITY",
    /// "SIZE/*", "*"); null when none is set.
    /// </summary>
    public UnitPrice? Current(string model, string currency, PriceUnit unit, string variant = UnitPrice.AnyVariant, DateTimeOffset? at = null)
    {
        var when = at ?? time.GetUtcNow();
        string normalised = Currencies.Normalise(currency);
        var prices = Snapshot();
        foreach (string candidate in UnitPrice.Fallbacks(variant))
        {
            UnitPrice? best = null;
            foreach (var price in prices)
            {
                if (price.Unit == unit && price.EffectiveAt <= when && price.Variant == candidate
                    && string.Equals(price.Model, model, StringComparison.Ordinal) && price.Currency == normalised
                    && (best is null || price.EffectiveAt > best.EffectiveAt || (price.EffectiveAt == best.EffectiveAt && price.Version > best.Version)))
                {
                    best = price;
                }
            }

            if (best is not null)
            {
                return best;
            }
        }

        return null;
    }

    /// <summary>Every version, newest first (the admin view).</summary>
    public IReadOnlyList<UnitPrice> List()
    {
        using var connection = database.Open();
        var list = ReadAll(connection, null);
        list.Reverse();
        return list;
    }

    /// <summary>Writes one version numbered MAX + 1 inside the caller's transaction (portable: no database-assigned ids).</summary>
    public static long Insert(DbConnection connection, DbTransaction transaction, UnitPrice price)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(price);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO unit_prices (version, model, currency, unit, variant, micros_per_unit, source, effective_at, created_at)
            SELECT COALESCE(MAX(version), 0) + 1, @model, @currency, @unit, @variant, @micros, @source, @effective, @created FROM unit_prices
            RETURNING version
            """;
        command.Parameters.AddWithValue("@model", price.Model);
        command.Parameters.AddWithValue("@currency", price.Currency);
        command.Parameters.AddWithValue("@unit", PriceUnitNames.Name(price.Unit));
        command.Parameters.AddWithValue("@variant", price.Variant);
        command.Parameters.AddWithValue("@micros", price.MicrosPerUnit);
        command.Parameters.AddWithValue("@source", price.Source);
        command.Parameters.AddWithValue("@effective", SqlTime.Format(price.EffectiveAt));
        command.Parameters.AddWithValue("@created", SqlTime.Format(price.CreatedAt));
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Every version, oldest first.</summary>
    public static List<UnitPrice> ReadAll(DbConnection connection, DbTransaction? transaction)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            SELECT version, model, currency, unit, variant, micros_per_unit, source, effective_at, created_at
            FROM unit_prices ORDER BY version
            """;
        using var reader = command.ExecuteReader();
        var list = new List<UnitPrice>();
        while (reader.Read())
        {
            list.Add(new UnitPrice(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), PriceUnitNames.Parse(reader.GetString(3)), reader.GetString(4), reader.GetInt64(5),
                reader.GetString(6), SqlTime.Parse(reader.GetString(7)), SqlTime.Parse(reader.GetString(8))));
        }

        return list;
    }

    /// <summary>Why a variant cannot be used with a unit: images take "SIZE/QUALITY", "SIZE/*" or "*"; other units only "*".</summary>
    public static string? VariantProblem(PriceUnit unit, string variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        if (variant == UnitPrice.AnyVariant)
        {
            return null;
        }

        if (unit != PriceUnit.Image)
        {
            return $"Only image prices have variants; a {PriceUnitNames.Name(unit)} price is for '*'.";
        }

        var parts = variant.Split('/');
        return parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0 && !variant.Any(char.IsWhiteSpace)
            ? null
            : $"An image variant is SIZE/QUALITY (say 1024x1024/hd), SIZE/* or *; got '{variant}'.";
    }

    private IReadOnlyList<UnitPrice> Snapshot()
    {
        var current = catalog.Current;
        var cache = Volatile.Read(ref _cache);
        if (cache is not null && ReferenceEquals(cache.Snapshot, current))
        {
            return cache.Prices;
        }

        using var connection = database.Open();
        IReadOnlyList<UnitPrice> prices = ReadAll(connection, null);
        Volatile.Write(ref _cache, new Cached(current, prices));
        return prices;
    }

    /// <summary>The unit prices read for one billing snapshot; a newer snapshot means a price may have changed.</summary>
    private sealed record Cached(BillingSnapshot Snapshot, IReadOnlyList<UnitPrice> Prices);
}
