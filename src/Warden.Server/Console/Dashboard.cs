using Warden.Server.Storage;

namespace Warden.Server.Console;

/// <summary>
/// Builds the dashboard from the usage records of one window (joined with their settlement for tenant and cost) in one
/// read: totals, per model, channel and tenant, and the chart's buckets. Percentiles are exact (nearest rank) over the
/// window's latencies; making this fast over a million records is issue 23's bench item.
/// </summary>
internal static class Dashboard
{
    public static (TimeSpan Length, TimeSpan Bucket) Shape(DashboardPeriod period) => period switch
    {
        DashboardPeriod.Hour => (TimeSpan.FromHours(1), TimeSpan.FromMinutes(5)),
        DashboardPeriod.Month => (TimeSpan.FromDays(30), TimeSpan.FromDays(1)),
        _ => (TimeSpan.FromDays(1), TimeSpan.FromHours(1)),
    };

    /// <param name="database">The database.</param>
    /// <param name="period">The window.</param>
    /// <param name="now">The window's end.</param>
    /// <param name="tenantId">Only this tenant's requests (the customer overview): billed to it, or by its keys when not billed.</param>
    public static DashboardReport Build(WardenDatabase database, DashboardPeriod period, DateTimeOffset now, string? tenantId = null)
    {
        var (length, bucketWidth) = Shape(period);
        int bucketCount = (int)(length / bucketWidth);

        // Buckets end at the next whole bucket after now, so bars do not shift with every reload.
        long endTicks = (now.UtcTicks / bucketWidth.Ticks + 1) * bucketWidth.Ticks;
        var end = new DateTimeOffset(endTicks, TimeSpan.Zero);
        var since = end - length;
        var buckets = new (long Requests, long Errors)[bucketCount];

        var total = new Accumulator("");
        var models = new Dictionary<string, Accumulator>(StringComparer.Ordinal);
        var channels = new Dictionary<string, Accumulator>(StringComparer.Ordinal);
        var tenants = new Dictionary<string, Accumulator>(StringComparer.Ordinal);

        using (var connection = database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT u.created_at, COALESCE(u.requested_model, ''), COALESCE(c.name, u.channel_id, ''), COALESCE(t.name, ''),
                       u.status, COALESCE(u.input_tokens, 0) + COALESCE(u.output_tokens, 0), s.charged_micros, s.currency,
                       u.latency_ms, u.ttfb_ms
                FROM usage_records u
                LEFT JOIN settlements s ON s.request_id = u.id
                LEFT JOIN tenants t ON t.id = s.tenant_id
                LEFT JOIN channels c ON c.id = u.channel_id
                WHERE u.created_at >= @since
                """;
            if (tenantId is not null)
            {
                command.CommandText += " AND (s.tenant_id = @tenant OR (s.tenant_id IS NULL AND u.key_id IN (SELECT key_id FROM key_tenants WHERE tenant_id = @tenant)))";
                command.Parameters.AddWithValue("@tenant", tenantId);
            }

            command.Parameters.AddWithValue("@since", SqlTime.Format(since));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var at = SqlTime.Parse(reader.GetString(0));
                int status = reader.GetInt32(4);
                bool error = status is < 200 or > 299;
                var sample = new Sample(
                    error, reader.GetInt64(5), reader.IsDBNull(6) ? 0 : reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                    reader.GetDouble(8), reader.IsDBNull(9) ? null : reader.GetDouble(9));
                total.Add(sample);
                Group(models, reader.GetString(1)).Add(sample);
                Group(channels, reader.GetString(2)).Add(sample);
                Group(tenants, reader.GetString(3)).Add(sample);

                int index = (int)((at - since) / bucketWidth);
                if (index >= 0 && index < bucketCount)
                {
                    buckets[index].Requests++;
                    buckets[index].Errors += error ? 1 : 0;
                }
            }
        }

        return new DashboardReport(
            period, since, total.Result(), Ordered(models), Ordered(channels), Ordered(tenants),
            buckets.Select((b, i) => new DashboardBucket(since + (bucketWidth * i), b.Requests, b.Errors)).ToList());
    }

    private static Accumulator Group(Dictionary<string, Accumulator> groups, string name)
    {
        if (name.Length == 0)
        {
            name = "-";
        }

        if (!groups.TryGetValue(name, out var group))
        {
            groups[name] = group = new Accumulator(name);
        }

        return group;
    }

    private static List<DashboardGroup> Ordered(Dictionary<string, Accumulator> groups) =>
        groups.Values.Select(g => g.Result()).OrderByDescending(g => g.Requests).ThenBy(g => g.Name, StringComparer.Ordinal).ToList();

    private readonly record struct Sample(bool Error, long Tokens, long ChargedMicros, string? Currency, double LatencyMs, double? FirstByteMs);

    private sealed class Accumulator(string name)
    {
        private readonly List<double> _latencies = [];
        private readonly List<double> _firstBytes = [];
        private readonly Dictionary<string, long> _spend = new(StringComparer.Ordinal);
        private long _errors;
        private long _tokens;

        public void Add(Sample sample)
        {
            _latencies.Add(sample.LatencyMs);
            if (sample.FirstByteMs is { } first)
            {
                _firstBytes.Add(first);
            }

            _errors += sample.Error ? 1 : 0;
            _tokens = checked(_tokens + sample.Tokens);
            if (sample.Currency is { } currency)
            {
                _spend[currency] = checked(_spend.GetValueOrDefault(currency) + sample.ChargedMicros);
            }
        }

        public DashboardGroup Result() => new(
            name, _latencies.Count, _errors, _tokens, _spend, Percentile(_latencies, 0.50), Percentile(_latencies, 0.95), Percentile(_firstBytes, 0.50));

        private static double? Percentile(List<double> values, double p)
        {
            if (values.Count == 0)
            {
                return null;
            }

            values.Sort();
            int rank = (int)Math.Ceiling(p * values.Count);
            return values[Math.Clamp(rank - 1, 0, values.Count - 1)];
        }
    }
}
