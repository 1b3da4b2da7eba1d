using System.Globalization;
using System.Text;
using Warden.Server.Storage;

namespace Warden.Server.Billing;

/// <summary>Usage and cost per tenant, key, model or day, from the settlements; as rows, a text table or CSV.</summary>
internal sealed class UsageReport(WardenDatabase database)
{
    public static readonly string[] Groupings = ["tenant", "key", "model", "day"];

    public static readonly string[] Headers =
        ["group", "currency", "requests", "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens", "cost", "charged", "estimated_requests"];

    /// <summary>The rows grouped <paramref name="by"/> ("tenant", "key", "model" or "day"), or null for an unknown grouping.</summary>
    public List<UsageReportRow>? Build(string by, DateTimeOffset? since = null)
    {
        string? group = by switch
        {
            "tenant" => "COALESCE(t.name, s.tenant_id)",
            "key" => "COALESCE(k.name, s.key_id, '(none)')",
            "model" => "s.model",
            "day" => "substr(s.created_at, 1, 10)",
            _ => null,
        };
        if (group is null)
        {
            return null;
        }

        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {group} AS g, s.currency, COUNT(*),
                   COALESCE(CAST(SUM(s.input_tokens) AS BIGINT), 0), COALESCE(CAST(SUM(s.cache_read_tokens) AS BIGINT), 0), COALESCE(CAST(SUM(s.cache_write_tokens) AS BIGINT), 0),
                   COALESCE(CAST(SUM(s.output_tokens) AS BIGINT), 0), COALESCE(CAST(SUM(s.reasoning_tokens) AS BIGINT), 0),
                   CAST(SUM(s.cost_micros) AS BIGINT), CAST(SUM(s.charged_micros) AS BIGINT), CAST(SUM(CASE WHEN s.usage_source <> 'reported' THEN 1 ELSE 0 END) AS BIGINT)
            FROM settlements s
            LEFT JOIN tenants t ON t.id = s.tenant_id
            LEFT JOIN client_keys k ON k.id = s.key_id
            WHERE CAST(@since AS TEXT) IS NULL OR s.created_at >= @since
            GROUP BY g, s.currency
            ORDER BY g, s.currency
            """;
        command.Parameters.AddWithValue("@since", since is { } s ? SqlTime.Format(s) : DBNull.Value);
        using var reader = command.ExecuteReader();
        var rows = new List<UsageReportRow>();
        while (reader.Read())
        {
            rows.Add(new UsageReportRow(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
                reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9), reader.GetInt64(10)));
        }

        return rows;
    }

    public static string[] Cells(UsageReportRow r) =>
    [
        r.Group, r.Currency, Num(r.Requests), Num(r.InputTokens), Num(r.CacheReadTokens), Num(r.CacheWriteTokens), Num(r.OutputTokens),
        Num(r.ReasoningTokens), Money.Format(r.CostMicros), Money.Format(r.ChargedMicros), Num(r.Estimated),
    ];

    /// <summary>RFC 4180 CSV with a header line; money in currency units with six decimals.</summary>
    public static string Csv(IEnumerable<UsageReportRow> rows)
    {
        var text = new StringBuilder();
        text.Append(string.Join(',', Headers)).Append("\r\n");
        foreach (var row in rows)
        {
            text.Append(string.Join(',', Cells(row).Select(Escape))).Append("\r\n");
        }

        return text.ToString();
    }

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>One RFC 4180 cell, safe to open in a spreadsheet (also used by the transfer report).</summary>
    public static string Escape(string cell)
    {
        // Quote when needed; prefix cells a spreadsheet would run as a formula.
        string safe = cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' && !long.TryParse(cell, CultureInfo.InvariantCulture, out _) && !cell.Contains('.', StringComparison.Ordinal)
            ? "'" + cell
            : cell;
        return safe.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : safe;
    }
}
