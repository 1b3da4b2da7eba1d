using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Warden.Server.Billing;
using Warden.Server.Tests.Billing;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Telemetry;

/// <summary>
/// docs/grafana/warden.json queries only metrics Warden exports: after a metered streamed request every metric name in
/// the dashboard's expressions is in a /metrics scrape, and the cost counter adds up to what the ledger charged.
/// </summary>
public sealed partial class GrafanaDashboardTests
{
    [Fact]
    public async Task Dashboard_QueriesOnlyExportedMetrics_AndCostMatchesTheSettlement()
    {
        await using var metered = await MeteredServer.StartAsync();
        metered.SetPrice("sim-small", new PriceRates(3_000_000, 15_000_000, 300_000, 3_750_000, 10_000_000));
        metered.TopUp(10_000_000);
        long before = metered.Balance;
        using (var response = await metered.Server.Http.SendAsync(MeteredServer.Chat(metered.Key, MeteredServer.ChatBody("sim-small", 64, stream: true))))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsStringAsync();
            await metered.Server.UsageForAsync(response.Headers.GetValues("x-request-id").Single());
        }

        // And one refused request, so the error counter has a sample.
        using (var refused = await metered.Server.Http.SendAsync(MeteredServer.Chat("wdn_not-a-key", MeteredServer.ChatBody("sim-small", 64))))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        long charged = before - metered.Balance;
        Assert.True(charged > 0);
        var scrape = PrometheusText.Parse(await metered.Server.Http.GetStringAsync("metrics"));
        Assert.Equal(charged, scrape.Sum("warden_cost_total", ("gen_ai_request_model", "sim-small"), ("warden_currency", "USD")));

        var exported = scrape.Samples.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        string dashboard = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "docs", "grafana", "warden.json"));
        var queried = JsonDocument.Parse(dashboard).RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .SelectMany(t => MetricName().Matches(Labels().Replace(t.GetProperty("expr").GetString()!, "")).Select(m => m.Value))
            .ToHashSet(StringComparer.Ordinal);
        Assert.True(queried.Count >= 8, "the dashboard queries Warden's metrics");
        Assert.All(queried, name => Assert.Contains(name, exported));
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Warden.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Warden.slnx) is not above the test's folder.");
    }

    [GeneratedRegex("warden_[a-z_]+")]
    private static partial Regex MetricName();

    /// <summary>Label matchers and grouping clauses, whose label names look like metric names.</summary>
    [GeneratedRegex(@"\{[^}]*\}|\bby \([^)]*\)")]
    private static partial Regex Labels();
}
