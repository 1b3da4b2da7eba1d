using System.Data.Common;
using System.Globalization;
using System.Text;
using Warden.Server.Storage;

namespace Warden.Server.Console;

/// <summary>
/// Reads the request log for the usage page and its CSV export: usage records joined with their settlement (tenant,
/// cost), key, channel and receipt. Reads only columns that hold ids, names, counts and timings.
/// </summary>
internal static class UsageLog
{
    public const int MaxRows = 5000;

    public static List<UsageLogRow> Search(WardenDatabase database, UsageLogQuery query)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT u.id, u.created_at, u.key_id, k.name, t.name, u.requested_model, u.served_model, COALESCE(c.name, u.channel_id),
                   u.status, u.outcome, u.input_tokens, u.output_tokens, s.cost_micros, s.currency, u.latency_ms, u.ttfb_ms,
                   r.request_id IS NOT NULL
            FROM usage_records u
            LEFT JOIN client_keys k ON k.id = u.key_id
            LEFT JOIN settlements s ON s.request_id = u.id
            LEFT JOIN tenants t ON t.id = s.tenant_id
            LEFT JOIN channels c ON c.id = u.channel_id
            LEFT JOIN receipts r ON r.request_id = u.id
            WHERE (CAST(@since AS TEXT) IS NULL OR u.created_at >= @since)
              AND (CAST(@status AS TEXT) IS NULL OR (@status = 'ok' AND u.status BETWEEN 200 AND 299) OR (@status = 'error' AND u.status NOT BETWEEN 200 AND 299))
              AND (CAST(@text AS TEXT) IS NULL OR instr(lower(u.id), @text) > 0 OR instr(lower(COALESCE(u.key_id, '')), @text) > 0
                   OR instr(lower(COALESCE(k.name, '')), @text) > 0 OR instr(lower(COALESCE(t.name, '')), @text) > 0
                   OR instr(lower(COALESCE(u.requested_model, '')), @text) > 0 OR instr(lower(COALESCE(u.served_model, '')), @text) > 0
                   OR instr(lower(COALESCE(c.name, '')), @text) > 0)
            ORDER BY u.created_at DESC, u.id DESC
            LIMIT @limit
            """;
        string? text = string.IsNullOrWhiteSpace(query.Text) ? null : query.Text.Trim().ToLowerInvariant();
        command.Parameters.AddWithValue("@since", query.Since is { } since ? SqlTime.Format(since) : DBNull.Value);
        command.Parameters.AddWithValue("@status", query.Status is "ok" or "error" ? query.Status : DBNull.Value);
        command.Parameters.AddWithValue("@text", (object?)text ?? DBNull.Value);
        command.Parameters.AddWithValue("@limit", Math.Clamp(query.Limit, 1, MaxRows));
        using var reader = command.ExecuteReader();
        var rows = new List<UsageLogRow>();
        while (reader.Read())
        {
            rows.Add(new UsageLogRow(
                reader.GetString(0), SqlTime.Parse(reader.GetString(1)), NullableText(reader, 2), NullableText(reader, 3),
                NullableText(reader, 4), NullableText(reader, 5), NullableText(reader, 6), NullableText(reader, 7),
                reader.GetInt32(8), reader.GetString(9), NullableLong(reader, 10), NullableLong(reader, 11),
                NullableLong(reader, 12), NullableText(reader, 13), reader.GetDouble(14),
                reader.IsDBNull(15) ? null : reader.GetDouble(15), reader.GetInt64(16) != 0));
        }

        return rows;
    }

    /// <summary>
    /// The rows as CSV (RFC 4180). Model names come from clients, so a field a spreadsheet would read as a formula gets a
    /// leading apostrophe (the OWASP advice for CSV injection).
    /// </summary>
    public static string Csv(IEnumerable<UsageLogRow> rows)
    {
        var csv = new StringBuilder("time,request_id,key_id,key_name,tenant,requested_model,served_model,channel,status,outcome,input_tokens,output_tokens,cost_micros,currency,latency_ms,ttfb_ms,receipt\r\n");
        foreach (var row in rows)
        {
            string[] fields =
            [
                SqlTime.Format(row.CreatedAt), row.RequestId, row.KeyId ?? "", row.KeyName ?? "", row.Tenant ?? "",
                row.RequestedModel ?? "", row.ServedModel ?? "", row.Channel ?? "",
                row.Status.ToString(CultureInfo.InvariantCulture), row.Outcome, Number(row.InputTokens), Number(row.OutputTokens),
                Number(row.CostMicros), row.Currency ?? "", row.LatencyMs.ToString("0.###", CultureInfo.InvariantCulture),
                row.TimeToFirstByteMs?.ToString("0.###", CultureInfo.InvariantCulture) ?? "", row.HasReceipt ? row.RequestId : "",
            ];
            for (int i = 0; i < fields.Length; i++)
            {
                if (i > 0)
                {
                    csv.Append(',');
                }

                csv.Append(Field(fields[i]));
            }

            csv.Append("\r\n");
        }

        return csv.ToString();
    }

    private static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static string Number(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string? NullableText(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static long? NullableLong(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);
}
