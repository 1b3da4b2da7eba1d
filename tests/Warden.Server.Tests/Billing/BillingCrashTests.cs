using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Billing;

/// <summary>
/// The real <c>warden serve</c> process, metered from the CLI, killed with SIGKILL under load and started again: the
/// ledger still balances, every answered request is settled, and what the crash left held is released, never billed.
/// </summary>
public sealed class BillingCrashTests
{
    private const long Funded = 1_000_000_000; // 1 000 USD

    [Fact]
    public async Task KillNineUnderLoad_ThenRestart_LedgerChecksAndEveryAnsweredRequestIsSettled()
    {
        using var folder = new TempDirectory();
        string data = Path.Combine(folder.Path, "data");

        var (exit, output) = await CliTests.RunAsync("tenants", "add", "--name", "acme", "--currency", "USD", "--data", data);
        Assert.Equal(0, exit);
        (exit, output) = await CliTests.RunAsync("keys", "create", "--name", "acme-key", "--data", data);
        Assert.Equal(0, exit);
        string key = Line(output, "Key: ");
        string keyId = Line(output, "Key id: ");
        Assert.Equal(0, (await CliTests.RunAsync("tenants", "assign", "--key", keyId, "--tenant", "acme", "--data", data)).Exit);
        Assert.Equal(0, (await CliTests.RunAsync("prices", "set", "--model", "sim-small", "--currency", "USD", "--input", "3", "--output", "15",
            "--data", data)).Exit);
        Assert.Equal(0, (await CliTests.RunAsync("credits", "topup", "--tenant", "acme", "--amount", "1000", "--data", data)).Exit);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var server = await ServeAsync(data);
        var answered = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
#pragma warning disable RS0030 // the test is a plain client
        using var http = new HttpClient { BaseAddress = server.Url };
#pragma warning restore RS0030
        string body = MeteredServer.ChatBody("sim-small", maxTokens: 32);
        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await http.SendAsync(MeteredServer.Chat(key, body), stop.Token);
                    byte[] answer = await response.Content.ReadAsByteArrayAsync(stop.Token);
                    if (response.StatusCode == HttpStatusCode.OK && answer.Length > 0)
                    {
                        // Acknowledged: the client holds the complete answer.
                        answered.Add(Assert.Single(response.Headers.GetValues("x-request-id")));
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
                {
                    // The server was killed under this request.
                }
            }
        })).ToList();

        // Bounded: kill once enough answers came back, with requests still in flight.
        for (int i = 0; i < 1_200 && answered.Count < 60; i++)
        {
            await Task.Delay(25);
        }

        server.Process.Kill();
        await server.Process.WaitForExitAsync();
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        server.Process.Dispose();
        Assert.True(answered.Count >= 60, $"only {answered.Count} answers before the kill");
        var acknowledged = answered.ToHashSet();

        // Restart: the data folder opens, the start-up release runs (these holds are younger than its age, so they stay).
        var restarted = await ServeAsync(data);
#pragma warning disable RS0030 // the test is a plain client
        using (var check = new HttpClient { BaseAddress = restarted.Url })
#pragma warning restore RS0030
        {
            using var again = await check.SendAsync(MeteredServer.Chat(key, body));
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            acknowledged.Add(Assert.Single(again.Headers.GetValues("x-request-id")));
        }

        Assert.Equal(0, await StopAsync(restarted.Process));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        (exit, output) = await CliTests.RunAsync("ledger", "check", "--data", data);
        Assert.True(exit == 0, output);

        // A complete answer is settled as its headers go out, before the client can have it: every acknowledged
        // request has exactly one settlement, billed from the usage the upstream reported.
        var settled = Settlements(data);
        foreach (string id in acknowledged)
        {
            Assert.True(settled.TryGetValue(id, out var row), $"acknowledged request {id} has no settlement");
            Assert.Equal("reported", row.Source);
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

    private static async Task<(Process Process, Uri Url)> ServeAsync(string dataDirectory)
    {
        string warden = typeof(Warden.Server.Hosting.WardenApp).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { warden, "serve", "--port", "0", "--data", dataDirectory },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("WARDEN_MASTER_KEY");
        var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Uri? url = null;
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("Warden is listening on", StringComparison.Ordinal))
            {
                url = new Uri(line["Warden is listening on".Length..].Trim());
            }

            if (line.StartsWith("Data folder:", StringComparison.Ordinal) && url is not null)
            {
                // Keep draining both pipes so the process never blocks on a full one.
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
                return (process, url);
            }
        }

        string error = await process.StandardError.ReadToEndAsync(CancellationToken.None);
        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException("warden serve exited before printing its banner: " + error);
    }

    private static async Task<int> StopAsync(Process process)
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        int code = process.ExitCode;
        process.Dispose();
        return code;
    }

    private static string Line(string output, string prefix) =>
        output.Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..].Trim();
}
