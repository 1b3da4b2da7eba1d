using Warden.Server.Storage;

namespace Warden.Server.Billing;

/// <summary>
/// Usage recorded in operation units (<c>operation_usage</c>): one row per request and unit. Written once per request;
/// a second write for the same request, unit and variant is refused by the primary key, so a retried settlement cannot
/// count twice.
/// </summary>
internal sealed class OperationUsageStore(WardenDatabase database)
{
    /// <summary>Records one row; false when the request already has a row for that unit and variant.</summary>
    public bool Record(OperationUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        if (usage.Quantity < 0 || usage.Micros < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(usage), "Quantities and charges are never negative.");
        }

        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO operation_usage (request_id, operation, model, unit, variant, quantity, price_version, micros, created_at)
            VALUES (@request, @operation, @model, @unit, @variant, @quantity, @version, @micros, @created)
            ON CONFLICT (request_id, unit, variant) DO NOTHING
            """;
        command.Parameters.AddWithValue("@request", usage.RequestId);
        command.Parameters.AddWithValue("@operation", usage.Operation);
        command.Parameters.AddWithValue("@model", usage.Model);
        command.Parameters.AddWithValue("@unit", PriceUnitNames.Name(usage.Unit));
        command.Parameters.AddWithValue("@variant", usage.Variant);
        command.Parameters.AddWithValue("@quantity", usage.Quantity);
        command.Parameters.AddWithValue("@version", (object?)usage.PriceVersion ?? DBNull.Value);
        command.Parameters.AddWithValue("@micros", usage.Micros);
        command.Parameters.AddWithValue("@created", SqlTime.Format(usage.CreatedAt));
        return command.ExecuteNonQuery() == 1;
    }

    /// <summary>A request's rows, in unit and variant order.</summary>
    public IReadOnlyList<OperationUsage> ForRequest(string requestId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT request_id, operation, model, unit, variant, quantity, price_version, micros, created_at
            FROM operation_usage WHERE request_id = @request ORDER BY unit, variant
            """;
        command.Parameters.AddWithValue("@request", requestId);
        using var reader = command.ExecuteReader();
        var rows = new List<OperationUsage>();
        while (reader.Read())
        {
            rows.Add(new OperationUsage(reader.GetString(0), reader.GetString(1), reader.GetString(2), PriceUnitNames.Parse(reader.GetString(3)), reader.GetString(4), reader.GetInt64(5),
                reader.IsDBNull(6) ? null : reader.GetInt64(6), reader.GetInt64(7), SqlTime.Parse(reader.GetString(8))));
        }

        return rows;
    }
}
