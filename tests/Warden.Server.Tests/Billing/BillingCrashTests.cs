using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;
using Xunit.Abstractions;

namespace Warden.Server.Tests.Billing;

/// <summary>
/// The real <c>warden serve</c> process, metered from the CLI, killed with SIGKILL under load and started again: the
/// ledger still balances, every answered request is settled, and what the crash left held is released, never billed.
/// Both servers' stdout and stderr are kept (keys masked) and written to the test output, and a missing settlement is
/// reported with what the ledger, the usage records and the servers said about that request.
/// </summary>
public sealed class BillingCrashTests(ITestOutputHelper testOutput)
{
    private const long Funded = 1_000_000_000; // 1 000 USD

    [Fact]
    public async Task KillNineUnderLoad_ThenRestart_LedgerChecksAndEveryAnsweredRequestIsSettled()
    {
        using var folder = new TempDirectory();
        var output = new ServerOutput();
        try
        {
            await KillAndRestartAsync(Path.Combine(folder.Path, "data"), output);
        }
        finally
        {
            await output.DrainAsync();
            testOutput.WriteLine(output.Text);
        }
    }

    private static async Task KillAndRestartAsync(string data, ServerOutput log)
    {
        var (exit, output) = await CliTests.RunAsync("tenants", "add", "--name", "acme", "--currency", "USD", "--data", data);
        Assert.Equal(0, exit);
        (exit, output) = await CliTests.RunAsync("keys", "create", "--name", "acme-key", "--data", data);
        Assert.Equal(0, exit);
        string key = WardenProcess.Line(output, "Key: ");
        string keyId = WardenProcess.Line(output, "Key id: ");
        Assert.Equal(0, (await CliTests.RunAsync("tenants", "assign", "--key", keyId, "--tenant", "acme", "--data", data)).Exit);
        Assert.Equal(0, (await CliTests.RunAsync("prices", "set", "--model", "sim-small", "--currency", "USD", "--input", "3", "--output", "15",
            "--data", data)).Exit);
        Assert.Equal(0, (await CliTests.RunAsync("credits", "topup", "--tenant", "acme", "--amount", "1000", "--data", data)).Exit);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var server = await WardenProcess.ServeAsync(data, log, "first");
        var answered = new ConcurrentDictionary<string, Answer>(StringComparer.Ordinal);
        var statuses = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        int killing = 0;
        using var stop = new CancellationTokenSource();

        // The suite starts servers and simulators on port 0 in parallel, and a simulator answers any key with a 200: so
        // no request starts after the kill (see the workers), and the handler refuses a connection that completes after
        // it. Only connections to the live server carry answers.
        using var handler = WardenProcess.HandlerRefusingConnectionsAfter(() => Volatile.Read(ref killing) != 0);
#pragma warning disable RS0030 // the test is a plain client
        using var http = new HttpClient(handler, disposeHandler: false) { BaseAddress = server.Url };
#pragma warning restore RS0030
        string body = MeteredServer.ChatBody("sim-small", maxTokens: 32);
        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            // Requests in flight at the kill run on; none starts after it.
            while (!stop.IsCancellationRequested && Volatile.Read(ref killing) == 0)
            {
                string outcome;
                try
                {
                    using var response = await http.SendAsync(MeteredServer.Chat(key, body), stop.Token);
                    byte[] answer = await response.Content.ReadAsByteArrayAsync(stop.Token);
                    outcome = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                    if (response.StatusCode == HttpStatusCode.OK && answer.Length > 0)
                    {
                        // Acknowledged: the client holds the complete answer.
                        answered[Assert.Single(response.Headers.GetValues("x-request-id"))] = Answer.Of(response, log.ElapsedMs, "first");
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
                {
                    // The server was killed under this request.
                    outcome = ex.GetType().Name;
                    if (!statuses.ContainsKey(outcome))
                    {
                        log.Add("test", $"first {outcome}: {ex.Message} {ex.InnerException?.Message}");
                    }
                }

                statuses.AddOrUpdate(outcome, 1, (_, n) => n + 1);
            }
        })).ToList();

        // Bounded: kill once enough answers came back, with requests still in flight.
        for (int i = 0; i < 1_200 && answered.Count < 60; i++)
        {
            await Task.Delay(25);
        }

        log.Add("test", $"SIGKILL after {answered.Count} answers{(server.Process.HasExited ? ", but the server had already exited" : "")}");
        Interlocked.Exchange(ref killing, 1);
        server.Process.Kill();
        await server.Process.WaitForExitAsync();
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        server.Process.Dispose();
        log.Add("test", "outcomes seen by the clients: " + string.Join(", ", statuses.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key} x{s.Value}")));
        Assert.True(answered.Count >= 60, $"only {answered.Count} answers before the kill");

        // Restart: the data folder opens, the start-up release runs (these holds are younger than its age, so they stay).
        var restarted = await WardenProcess.ServeAsync(data, log, "restarted");
#pragma warning disable RS0030 // the test is a plain client
        using (var check = new HttpClient { BaseAddress = restarted.Url })
#pragma warning restore RS0030
        {
            using var again = await check.SendAsync(MeteredServer.Chat(key, body));
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            answered[Assert.Single(again.Headers.GetValues("x-request-id"))] = Answer.Of(again, log.ElapsedMs, "restarted");
        }

        Assert.Equal(0, await WardenProcess.StopAsync(restarted.Process));
        await log.DrainAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        (exit, output) = await CliTests.RunAsync("ledger", "check", "--data", data);
        Assert.True(exit == 0, output);

        // Every answer came from Warden (its own request id header matches), so each must be in Warden's ledger.
        var foreign = answered.Where(a => a.Value.WardenRequestId != a.Key).Select(a => a.Key).ToList();
        Assert.True(foreign.Count == 0, Diagnose(data, foreign, answered, log, "came without Warden's own request id header"));

        // A complete answer is settled as its headers go out, before the client can have it: every acknowledged
        // request has exactly one settlement, billed from the usage the upstream reported.
        var settled = Settlements(data);
        var unsettled = answered.Keys.Where(id => !settled.ContainsKey(id)).ToList();
        Assert.True(unsettled.Count == 0, Diagnose(data, unsettled, answered, log, "were acknowledged but have no settlement"));
        foreach (string id in answered.Keys)
        {
            Assert.Equal("reported", settled[id].Source);
        }

        // What the kill left held is released unbilled; afterwards no money is lost or double-counted.
        (exit, output) = await CliTests.RunAsync("ledger", "release-stale", "--older-than", "00:00:00", "--data", data);
        Assert.Equal(0, exit);
        Assert.Equal(0, MeteredServer.CountRows(data, "SELECT COUNT(*) FROM reservations WHERE state = 'open'"));
        (exit, output) = await CliTests.RunAsync("ledger", "check", "--data", data);
        Assert.True(exit == 0, output);
        long charged = MeteredServer.CountRows(data, "SELECT COALESCE(SUM(charged_micros), 0) FROM settlements");
        long balance = MeteredServer.CountRows(data, "SELECT balance_micros FROM accounts WHERE id LIKE 'tenant:%'");
        Assert.Equal(Funded - charged, balance);
        Assert.Equal(0, MeteredServer.CountRows(data, "SELECT COUNT(*) FROM settlements WHERE usage_note LIKE 'expired%' AND charged_micros <> 0"));
    }

    /// <summary>
    /// The failure message for requests that break the invariant: what the client saw, what the database holds for each
    /// (reservation, usage record), every server line naming it, and the end of the servers' output.
    /// </summary>
    private static string Diagnose(string data, List<string> ids, IReadOnlyDictionary<string, Answer> answered, ServerOutput log, string problem)
    {
        if (ids.Count == 0)
        {
            return "";
        }

        var text = new StringBuilder().AppendLine(CultureInfo.InvariantCulture, $"{ids.Count} of {answered.Count} answered requests {problem}:");
        foreach (string id in ids)
        {
            var answer = answered[id];
            text.AppendLine(CultureInfo.InvariantCulture,
                $"- {id}: answered by the {answer.Server} server at {answer.AtMs} ms, Warden-Request-Id {answer.WardenRequestId ?? "(none)"}, receipt {(answer.HasReceipt ? "present" : "absent")}");
            text.AppendLine("  reservation: " + Row(data, "SELECT state || ' ' || amount_micros || ' micros at ' || created_at FROM reservations WHERE request_id = $id", id));
            text.AppendLine("  usage record: " + Row(data, "SELECT status || ' ' || outcome || ' ' || usage_source FROM usage_records WHERE id = $id", id));
            foreach (string line in log.Mentioning(id))
            {
                text.AppendLine("  server: " + line);
            }
        }

        text.AppendLine("Server output (last 60 lines; all of it is in the test output):");
        foreach (string line in log.Text.Split('\n').TakeLast(60))
        {
            text.AppendLine("  " + line);
        }

        return text.ToString();
    }

    private static string Row(string data, string sql, string id)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(
            $"Data Source={Path.Combine(data, Warden.Server.Hosting.DataFolder.DatabaseFileName)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", id);
        return command.ExecuteScalar() as string ?? "(none)";
    }

    private static Dictionary<string, (string Source, long Charged)> Settlements(string data)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(
            $"Data Source={Path.Combine(data, Warden.Server.Hosting.DataFolder.DatabaseFileName)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT request_id, usage_source, charged_micros FROM settlements";
        using var reader = command.ExecuteReader();
        var rows = new Dictionary<string, (string, long)>();
        while (reader.Read())
        {
            rows[reader.GetString(0)] = (reader.GetString(1), reader.GetInt64(2));
        }

        return rows;
    }

    /// <summary>What the client saw of one acknowledged answer, for the failure message.</summary>
    private sealed record Answer(long AtMs, string? WardenRequestId, bool HasReceipt, string Server)
    {
        public static Answer Of(HttpResponseMessage response, long atMs, string server) => new(
            atMs,
            response.Headers.TryGetValues("Warden-Request-Id", out var ids) ? ids.FirstOrDefault() : null,
            response.Headers.Contains(Warden.Server.Trust.RequestReceipts.HeaderName),
            server);
    }
}
