using System.Data.Common;
using Warden.Server.Storage;
using Warden.Server.Trust;

namespace Warden.Server.Billing.Catalog;

/// <summary>
/// Writes a <see cref="PriceCatalog"/> into the versioned price table, as one logged configuration change. A model's
/// price belongs to the catalog while its newest version is one the catalog wrote (table <c>price_catalog</c>); any
/// price an operator set is theirs and is never overwritten, whatever the catalog says.
/// </summary>
internal static class PriceCatalogSync
{
    /// <summary>
    /// Adds a version for every catalog model with no price in the catalog's currency, and a new version for every
    /// catalog-owned price that differs from the catalog; leaves operator prices alone. Logs one <c>price.catalog</c>
    /// entry when anything changed, and reloads the billing snapshot.
    /// </summary>
    public static PriceSyncReport Apply(WardenDatabase database, BillingCatalog snapshot, PriceCatalog catalog, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var report = database.ChangeConfiguration((connection, transaction) =>
        {
            var report = new PriceSyncReport(catalog.Version);
            foreach (var entry in catalog.Entries)
            {
                var newest = Newest(connection, transaction, entry.Model, catalog.Currency);
                long? owned = OwnedVersion(connection, transaction, entry.Model, catalog.Currency);
                if (newest is not null && newest.Version != owned)
                {
                    report.KeptOperatorPrice.Add(entry.Model);
                    continue;
                }

                if (newest is not null && SameRates(newest, entry.Rates))
                {
                    report.Unchanged.Add(entry.Model);
                    continue;
                }

                long version = Insert(connection, transaction, entry, catalog.Currency, now);
                Own(connection, transaction, entry.Model, catalog.Currency, version, catalog.Version);
                (newest is null ? report.Added : report.Changed).Add(entry.Model);
            }

            ApplyUnits(connection, transaction, catalog, now, report);
            bool changed = report.Added.Count + report.Changed.Count > 0;
            return (report, changed ? new ConfigEvent("price.catalog", catalog.Version + "/" + catalog.Currency, database.CurrentActor) : null);
        });

        snapshot.Reload();
        return report;
    }

    /// <summary>Whether a catalog was ever applied to this database (the first start loads the built-in one).</summary>
    public static bool EverApplied(WardenDatabase database)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM price_catalog LIMIT 1";
        return command.ExecuteScalar() is not null;
    }

    /// <summary>
    /// The per-unit prices (issue 22), by the same rule as token prices: a unit price is the catalog's while its newest
    /// version came from a catalog (<c>source</c> "catalog:VERSION"); one the operator set is kept.
    /// </summary>
    private static void ApplyUnits(DbConnection connection, DbTransaction transaction, PriceCatalog catalog, DateTimeOffset now, PriceSyncReport report)
    {
        var newest = new Dictionary<(string, string, PriceUnit, string), UnitPrice>();
        foreach (var price in UnitPriceTable.ReadAll(connection, transaction))
        {
            newest[(price.Model, price.Currency, price.Unit, price.Variant)] = price;
        }

        foreach (var entry in catalog.Units)
        {
            newest.TryGetValue((entry.Model, catalog.Currency, entry.Unit, entry.Variant), out var current);
            if (current is not null && !current.Source.StartsWith("catalog:", StringComparison.Ordinal))
            {
                report.KeptOperatorPrice.Add(entry.Label);
                continue;
            }

            if (current is not null && current.MicrosPerUnit == entry.MicrosPerUnit)
            {
                report.Unchanged.Add(entry.Label);
                continue;
            }

            UnitPriceTable.Insert(connection, transaction, new UnitPrice(0, entry.Model, catalog.Currency, entry.Unit, entry.Variant, entry.MicrosPerUnit,
                "catalog:" + catalog.Version, now, now));
            (current is null ? report.Added : report.Changed).Add(entry.Label);
        }
    }

    private static bool SameRates(PriceVersion price, PriceRates rates) =>
        price.InputPerMillion == rates.Input && price.OutputPerMillion == rates.Output && price.CacheReadPerMillion == rates.CacheRead
        && price.CacheWritePerMillion == rates.CacheWrite && price.ReasoningPerMillion == rates.Reasoning;

    // Newest by version, not by effective time: a version the operator scheduled for later is still theirs.
    private static PriceVersion? Newest(DbConnection connection, DbTransaction transaction, string model, string currency)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            SELECT version, input_per_million, output_per_million, cache_read_per_million, cache_write_per_million,
                   reasoning_per_million, effective_at, created_at
            FROM price_versions WHERE model = @model AND currency = @currency ORDER BY version DESC LIMIT 1
            """;
        command.Parameters.AddWithValue("@model", model);
        command.Parameters.AddWithValue("@currency", currency);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new PriceVersion(reader.GetInt64(0), model, currency, reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.GetInt64(4), reader.GetInt64(5), SqlTime.Parse(reader.GetString(6)), SqlTime.Parse(reader.GetString(7)))
            : null;
    }

    private static long? OwnedVersion(DbConnection connection, DbTransaction transaction, string model, string currency)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT price_version FROM price_catalog WHERE model = @model AND currency = @currency";
        command.Parameters.AddWithValue("@model", model);
        command.Parameters.AddWithValue("@currency", currency);
        return command.ExecuteScalar() is long version ? version : null;
    }

    private static long Insert(DbConnection connection, DbTransaction transaction, PriceCatalogEntry entry, string currency, DateTimeOffset now)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO price_versions (model, currency, input_per_million, output_per_million, cache_read_per_million,
                cache_write_per_million, reasoning_per_million, effective_at, created_at)
            VALUES (@model, @currency, @in, @out, @cr, @cw, @re, @now, @now)
            RETURNING version
            """;
        command.Parameters.AddWithValue("@model", entry.Model);
        command.Parameters.AddWithValue("@currency", currency);
        command.Parameters.AddWithValue("@in", entry.Rates.Input);
        command.Parameters.AddWithValue("@out", entry.Rates.Output);
        command.Parameters.AddWithValue("@cr", entry.Rates.CacheRead);
        command.Parameters.AddWithValue("@cw", entry.Rates.CacheWrite);
        command.Parameters.AddWithValue("@re", entry.Rates.Reasoning);
        command.Parameters.AddWithValue("@now", SqlTime.Format(now));
        return StorageCommands.ToInt64(command.ExecuteScalar());
    }

    private static void Own(DbConnection connection, DbTransaction transaction, string model, string currency, long version, string catalogVersion)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO price_catalog (model, currency, price_version, catalog_version) VALUES (@model, @currency, @version, @catalog)
            ON CONFLICT (model, currency) DO UPDATE SET price_version = excluded.price_version, catalog_version = excluded.catalog_version
            """;
        command.Parameters.AddWithValue("@model", model);
        command.Parameters.AddWithValue("@currency", currency);
        command.Parameters.AddWithValue("@version", version);
        command.Parameters.AddWithValue("@catalog", catalogVersion);
        command.ExecuteNonQuery();
    }
}
