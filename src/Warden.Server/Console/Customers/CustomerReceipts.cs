using Warden.Server.Storage;

namespace Warden.Server.Console.Customers;

/// <summary>
/// The receipts a tenant's customers may see: those of requests billed to the tenant, or made by its keys when not
/// billed. Only ids, model names, costs and the signed receipt itself (hashes and counts, never content).
/// </summary>
internal sealed class CustomerReceipts(WardenDatabase database)
{
    public const int PageSize = 100;

    private const string TenantFilter =
        "(s.tenant_id = @t OR (s.tenant_id IS NULL AND r.key_id IN (SELECT key_id FROM key_tenants WHERE tenant_id = @t)))";

    /// <summary>The tenant's newest receipts (before <paramref name="before"/>, a request id, for the next page).</summary>
    public List<CustomerReceiptRow> List(string tenantId, DateTimeOffset? before = null)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT r.request_id, r.created_at, u.requested_model, u.served_model, s.charged_micros, s.currency
            FROM receipts r
            LEFT JOIN usage_records u ON u.id = r.request_id
            LEFT JOIN settlements s ON s.request_id = r.request_id
            WHERE {TenantFilter} AND (@before IS NULL OR r.created_at < @before)
            ORDER BY r.created_at DESC, r.request_id DESC
            LIMIT {PageSize}
            """;
        command.Parameters.AddWithValue("@t", tenantId);
        command.Parameters.AddWithValue("@before", before is { } b ? SqlTime.Format(b) : DBNull.Value);
        using var reader = command.ExecuteReader();
        var rows = new List<CustomerReceiptRow>();
        while (reader.Read())
        {
            rows.Add(new CustomerReceiptRow(
                reader.GetString(0), SqlTime.Parse(reader.GetString(1)), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return rows;
    }

    /// <summary>The compact JWS of one of the tenant's receipts; null for another tenant's or an unknown request id alike.</summary>
    public string? FindJws(string tenantId, string requestId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT r.jws FROM receipts r LEFT JOIN settlements s ON s.request_id = r.request_id
            WHERE r.request_id = @id AND {TenantFilter}
            """;
        command.Parameters.AddWithValue("@t", tenantId);
        command.Parameters.AddWithValue("@id", requestId);
        return command.ExecuteScalar() as string;
    }
}
