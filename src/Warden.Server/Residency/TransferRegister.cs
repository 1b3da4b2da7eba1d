using System.Globalization;
using Warden.Server.Storage;

namespace Warden.Server.Residency;

/// <summary>
/// Reads the transfer register (table <c>transfers</c>; rows are written by the usage store, in the usage record's
/// transaction): the totals by destination, class and legal basis a personal-information impact assessment asks for.
/// </summary>
internal sealed class TransferRegister(WardenDatabase database)
{
    /// <summary>
    /// Per destination (jurisdiction, provider), action and basis: one row with the number of requests
    /// (<see cref="TransferReportRow.Class"/> null), then one row per class found with the requests carrying it and the
    /// values counted.
    /// </summary>
    public List<TransferReportRow> Report(DateTimeOffset? since)
    {
        var totals = new SortedDictionary<(string Jurisdiction, string Provider, string Action, string Basis, string Class), (long Requests, long Values)>();
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT jurisdiction, provider, action, legal_basis, classes FROM transfers
            WHERE CAST(@since AS TEXT) IS NULL OR created_at >= @since
            """;
        command.Parameters.AddWithValue("@since", since is { } s ? SqlTime.Format(s) : DBNull.Value);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            string jurisdiction = reader.GetString(0);
            string provider = reader.GetString(1);
            string action = reader.GetString(2);
            string basis = reader.IsDBNull(3) ? "" : reader.GetString(3);
            Add(totals, (jurisdiction, provider, action, basis, ""), 0);
            foreach (string part in reader.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                int equals = part.IndexOf('=', StringComparison.Ordinal);
                long count = equals > 0 && long.TryParse(part.AsSpan(equals + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : 0;
                Add(totals, (jurisdiction, provider, action, basis, equals > 0 ? part[..equals] : part), count);
            }
        }

        return [.. totals.Select(t => new TransferReportRow(
            t.Key.Jurisdiction, t.Key.Provider, t.Key.Action, t.Key.Basis.Length == 0 ? null : t.Key.Basis,
            t.Key.Class.Length == 0 ? null : t.Key.Class, t.Value.Requests, t.Value.Values))];
    }

    public static readonly string[] Headers = ["jurisdiction", "provider", "action", "legal_basis", "class", "requests", "values"];

    public static string[] Cells(TransferReportRow r) =>
    [
        r.Jurisdiction, r.Provider, r.Action, r.LegalBasis ?? "-", r.Class ?? "(all requests)",
        r.Requests.ToString(CultureInfo.InvariantCulture), r.Class is null ? "-" : r.Values.ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary>RFC 4180 CSV with a header line; a request line has an empty class and values cell.</summary>
    public static string Csv(IEnumerable<TransferReportRow> rows)
    {
        var text = new System.Text.StringBuilder();
        text.Append(string.Join(',', Headers)).Append("\r\n");
        foreach (var r in rows)
        {
            string[] cells =
            [
                r.Jurisdiction, r.Provider, r.Action, r.LegalBasis ?? "", r.Class ?? "",
                r.Requests.ToString(CultureInfo.InvariantCulture), r.Class is null ? "" : r.Values.ToString(CultureInfo.InvariantCulture),
            ];
            text.Append(string.Join(',', cells.Select(Billing.UsageReport.Escape))).Append("\r\n");
        }

        return text.ToString();
    }

    private static void Add(
        SortedDictionary<(string, string, string, string, string), (long Requests, long Values)> totals,
        (string, string, string, string, string) key,
        long values)
    {
        var (requests, sum) = totals.GetValueOrDefault(key);
        totals[key] = (checked(requests + 1), checked(sum + values));
    }
}
