using System.Data.Common;
using Warden.Server.Storage;
using Warden.Server.Trust;

namespace Warden.Server.Billing;

/// <summary>
/// The versioned price table (<c>price_versions</c>): every version ever set. The price of a model at a time is the
/// newest version whose effective time has come; old versions stay so a cost can always be recomputed with the
/// version it recorded. Requests read prices from the <see cref="BillingCatalog"/> snapshot; a new version is a
/// logged configuration event and reloads the snapshot.
/// </summary>
internal sealed class PriceTable(WardenDatabase database, BillingCatalog catalog, TimeProvider time)
{
    /// <summary>Adds a new version for a model (effective now unless given); returns it, or a problem.</summary>
    public (PriceVersion? Price, string? Problem) Set(string model, string currency, PriceRates rates, DateTimeOffset? effectiveAt = null)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            return (null, "A model name is required.");
        }

        if (Currencies.Problem(currency) is { } currencyProblem)
        {
            return (null, currencyProblem);
        }

        if (rates.Problem is { } problem)
        {
            return (null, problem);
        }

        var now = time.GetUtcNow();
        var effective = effectiveAt ?? now;
        string normalised = Currencies.Normalise(currency);
        long version = database.ChangeConfiguration((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO price_versions (model, currency, input_per_million, output_per_million, cache_read_per_million,
                    cache_write_per_million, reasoning_per_million, effective_at, created_at)
                VALUES (@model, @currency, @in, @out, @cr, @cw, @re, @effective, @created)
                RETURNING version
                """;
            command.Parameters.AddWithValue("@model", model);
            command.Parameters.AddWithValue("@currency", normalised);
            command.Parameters.AddWithValue("@in", rates.Input);
            command.Parameters.AddWithValue("@out", rates.Output);
            command.Parameters.AddWithValue("@cr", rates.CacheRead);
            command.Parameters.AddWithValue("@cw", rates.CacheWrite);
            command.Parameters.AddWithValue("@re", rates.Reasoning);
            command.Parameters.AddWithValue("@effective", SqlTime.Format(effective));
            command.Parameters.AddWithValue("@created", SqlTime.Format(now));
            return (StorageCommands.ToInt64(command.ExecuteScalar()), new ConfigEvent("price.set", model + "/" + normalised, database.CurrentActor));
        });
        catalog.Reload();
        return (new PriceVersion(version, model, normalised, rates.Input, rates.Output, rates.CacheRead,
            rates.CacheWrite, rates.Reasoning, SqlTime.Parse(SqlTime.Format(effective)), SqlTime.Parse(SqlTime.Format(now))), null);
    }

    /// <summary>The price in force for a model in a currency now or at a time, from the snapshot; null when it has none.</summary>
    public PriceVersion? Current(string model, string currency, DateTimeOffset? at = null) =>
        catalog.Current.PriceAt(model, currency, at ?? time.GetUtcNow());

    /// <summary>Every version, newest first, read from the database (the admin view, not the request path).</summary>
    public IReadOnlyList<PriceVersion> List()
    {
        using var connection = database.Open();
        var list = ReadAll(connection, null);
        list.Reverse();
        return list;
    }

    /// <summary>Every version, oldest first.</summary>
    public static List<PriceVersion> ReadAll(DbConnection connection, DbTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            SELECT version, model, currency, input_per_million, output_per_million, cache_read_per_million,
                   cache_write_per_million, reasoning_per_million, effective_at, created_at
            FROM price_versions ORDER BY version
            """;
        using var reader = command.ExecuteReader();
        var list = new List<PriceVersion>();
        while (reader.Read())
        {
            list.Add(Read(reader));
        }

        return list;
    }

    private static PriceVersion Read(DbDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7),
        SqlTime.Parse(r.GetString(8)), SqlTime.Parse(r.GetString(9)));
}
