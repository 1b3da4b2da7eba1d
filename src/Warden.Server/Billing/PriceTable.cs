using Microsoft.Data.Sqlite;
using Warden.Server.Storage;

namespace Warden.Server.Billing;

/// <summary>
/// The versioned price table: every version ever set, kept in memory and in <c>price_versions</c>. The price of a
/// model at a time is the newest version whose effective time has come; old versions stay so a cost can always be
/// recomputed with the version it recorded.
/// </summary>
internal sealed class PriceTable(WardenDatabase database, TimeProvider time)
{
    private readonly Lock _gate = new();
    private List<PriceVersion>? _versions;

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
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO price_versions (model, currency, input_per_million, output_per_million, cache_read_per_million,
                cache_write_per_million, reasoning_per_million, effective_at, created_at)
            VALUES ($model, $currency, $in, $out, $cr, $cw, $re, $effective, $created)
            RETURNING version
            """;
        command.Parameters.AddWithValue("$model", model);
        command.Parameters.AddWithValue("$currency", Currencies.Normalise(currency));
        command.Parameters.AddWithValue("$in", rates.Input);
        command.Parameters.AddWithValue("$out", rates.Output);
        command.Parameters.AddWithValue("$cr", rates.CacheRead);
        command.Parameters.AddWithValue("$cw", rates.CacheWrite);
        command.Parameters.AddWithValue("$re", rates.Reasoning);
        command.Parameters.AddWithValue("$effective", SqlTime.Format(effective));
        command.Parameters.AddWithValue("$created", SqlTime.Format(now));
        long version = (long)command.ExecuteScalar()!;
        var price = new PriceVersion(version, model, Currencies.Normalise(currency), rates.Input, rates.Output, rates.CacheRead,
            rates.CacheWrite, rates.Reasoning, SqlTime.Parse(SqlTime.Format(effective)), SqlTime.Parse(SqlTime.Format(now)));
        lock (_gate)
        {
            _versions?.Add(price);
        }

        return (price, null);
    }

    /// <summary>The price in force for a model (in a currency, when given) now or at a time; null when it has none.</summary>
    public PriceVersion? Current(string model, string? currency = null, DateTimeOffset? at = null)
    {
        var when = at ?? time.GetUtcNow();
        return Versions()
            .Where(p => string.Equals(p.Model, model, StringComparison.Ordinal) && p.EffectiveAt <= when
                && (currency is null || string.Equals(p.Currency, currency, StringComparison.Ordinal)))
            .OrderByDescending(p => p.EffectiveAt)
            .ThenByDescending(p => p.Version)
            .FirstOrDefault();
    }

    public PriceVersion? ByVersion(long version) => Versions().FirstOrDefault(p => p.Version == version);

    /// <summary>Every version, newest first.</summary>
    public IReadOnlyList<PriceVersion> List() => Versions().OrderByDescending(p => p.Version).ToList();

    /// <summary>Forgets the in-memory copy so the next read sees versions another process (the CLI) added.</summary>
    public void Reload()
    {
        lock (_gate)
        {
            _versions = null;
        }
    }

    private List<PriceVersion> Versions()
    {
        // Versions are only ever added, so the newest version number identifies the whole table: one indexed read
        // tells whether another process (the CLI, the admin API of another server) added one since the last load.
        long newest;
        using (var connection = database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT COALESCE(MAX(version), 0) FROM price_versions";
            newest = (long)command.ExecuteScalar()!;
        }

        lock (_gate)
        {
            if (_versions is null || (_versions.Count == 0 ? 0 : _versions.Max(p => p.Version)) != newest)
            {
                _versions = Load();
            }

            return [.. _versions];
        }
    }

    private List<PriceVersion> Load()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
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

    private static PriceVersion Read(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7),
        SqlTime.Parse(r.GetString(8)), SqlTime.Parse(r.GetString(9)));
}
