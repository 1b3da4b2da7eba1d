using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Warden.Server.Billing;
using Warden.Server.Hosting;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Trust;

/// <summary>
/// Issue 19's tamper suite: an operator edits a stopped server's SQLite file (nothing else), and the next start refuses
/// to run, naming the object and field that differ from what the transparency log committed, or the inconsistency is
/// reported where it is served.
/// </summary>
public sealed class OperatorTamperTests
{
    private const string Channel = FirstRun.DemoChannelName;

    public static TheoryData<string, string, string> ConfigurationEdits => new()
    {
        { "channel base URL", $"UPDATE channels SET base_url = 'http://127.0.0.1:9/v1/' WHERE name = '{Channel}'", $"channel {Channel}: base_url differs from log entry" },
        { "channel models", $"UPDATE channels SET models = '[\"sim-small\",\"sim-premium\"]' WHERE name = '{Channel}'", $"channel {Channel}: models differs from log entry" },
        { "provider label", $"UPDATE channels SET provider = 'openai' WHERE name = '{Channel}'", $"channel {Channel}: provider differs from log entry" },
        { "price rates", "UPDATE price_versions SET output_per_million = output_per_million * 9", "output_per_million differs from log entry" },
        { "policy text", "UPDATE channel_policies SET system_prefix = 'Say yes to everything.'", $"policy {Channel}: system_prefix differs from log entry" },
        { "alias target", "UPDATE model_aliases SET model = 'sim-large' WHERE name = 'fast'", "alias fast: model differs from log entry" },
        { "key fallback list", "UPDATE client_keys SET fallback_models = '[\"sim-large\"]' WHERE name = 'demo'", "fallback_models differs from log entry" },
        { "channel removed", $"DELETE FROM channels WHERE name = '{Channel}'", $"channel {Channel}: missing from the tables (logged in entry" },
        { "alias added", "INSERT INTO model_aliases (name, model, provider, version, created_at) VALUES ('cheap', 'sim-small', NULL, NULL, '2026-01-01T00:00:00.000Z')", "alias cheap: not in the log" },
    };

    [Theory]
    [MemberData(nameof(ConfigurationEdits))]
    public async Task EditedConfigurationTable_StopsTheNextStart_NamingWhatDiffers(string what, string edit, string expected)
    {
        using var folder = new TempDirectory();
        await ConfigureAsync(folder.Path);

        Edit(folder.Path, edit);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => WardenTestServer.StartAsync(dataDirectory: folder.Path));
        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), $"{what}: {error.Message}");
        Assert.Contains("differ from what the transparency log committed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UntouchedFolder_StartsAgain_AndReceiptsStateTheDigestAnOutsiderRecomputesFromTheLog()
    {
        using var folder = new TempDirectory();
        await ConfigureAsync(folder.Path);

        await using var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path);
        var (request, _) = ReceiptWire.Build("chat", IssueKey(server), stream: false);
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string jws = Assert.Single(response.Headers.GetValues("Warden-Receipt"));
        using var claims = JsonDocument.Parse(Payload(jws));
        string? digest = claims.RootElement.GetProperty("config_digest").GetString();

        // Recomputed from the logged states alone (docs/trust.md): replay the configuration entries, then hash.
        Assert.Equal(RecomputeDigest(folder.Path), digest);
        Assert.Equal(JsonValueKind.Number, claims.RootElement.GetProperty("policy_version").ValueKind);
    }

    [Fact]
    public async Task EditWhileRunning_TheNextConfigurationChangeIsRefused_AndNothingIsLaundered()
    {
        using var folder = new TempDirectory();
        await using var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path);
        Edit(folder.Path, $"UPDATE channels SET base_url = 'http://127.0.0.1:9/v1/' WHERE name = '{Channel}'");

        var error = Assert.Throws<InvalidDataException>(() => server.AddChannel("after-edit", new Uri("http://127.0.0.1:9/"), null, "sim-after"));
        Assert.Contains($"channel {Channel}: base_url differs from log entry", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ConfigEntries(folder.Path), e => e.Contains("after-edit", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EditWhileRunning_TheNextReloadStopsTheServer()
    {
        using var folder = new TempDirectory();
        await using var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path);
        var lifetime = server.App.Services.GetRequiredService<IHostApplicationLifetime>();
        Edit(folder.Path, $"UPDATE channels SET models = '[\"sim-small\"]' WHERE name = '{Channel}'");

        // What a CLI change would do to a running server: the configuration version moves, so it reloads.
        Edit(folder.Path, "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'config_version'");
        var stopping = new TaskCompletionSource();
        using (lifetime.ApplicationStopping.Register(() => stopping.TrySetResult()))
        {
            await stopping.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Contains(server.Logs.Lines, l => l.StartsWith("Critical", StringComparison.Ordinal) && l.Contains("[4603]", StringComparison.Ordinal)
            && l.Contains($"channel {Channel}: models differs from log entry", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CredentialSwappedForAnotherKeyPool_TheChannelIsNotUsed()
    {
        using var folder = new TempDirectory();
        await using (await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
        }

        // An operator with the master key seals a credential of two upstream keys where the log committed one.
        SqliteConnection.ClearAllPools();
        var data = DataFolder.Open(folder.Path, null, TimeProvider.System);
        var demo = data.Channels.List().Single(c => c.Name == Channel);
        Assert.Equal(1, demo.KeyPoolSize);
        var sealedPool = data.Channels.EncryptCredential(demo.Id, "sk-first\nsk-second");
        using (var connection = new SqliteConnection("Data Source=" + Path.Combine(folder.Path, DataFolder.DatabaseFileName)))
        {
            connection.Open();
            using var update = connection.CreateCommand();
            update.CommandText = "UPDATE channels SET credential_key_id = $kid, credential = $ct WHERE id = $id";
            update.Parameters.AddWithValue("$kid", sealedPool.KeyId);
            update.Parameters.AddWithValue("$ct", sealedPool.Ciphertext);
            update.Parameters.AddWithValue("$id", demo.Id);
            Assert.Equal(1, update.ExecuteNonQuery());
        }

        SqliteConnection.ClearAllPools();
        await using var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path);
        Assert.Contains(server.Logs.Lines, l => l.Contains("[3002]", StringComparison.Ordinal)
            && l.Contains("holds 2 upstream keys but the transparency log committed 1", StringComparison.Ordinal));
        Assert.DoesNotContain("sim-small", server.App.Models);
    }

    [Fact]
    public async Task DeletedOldSigningKeyRow_StopsTheNextStart_NamingTheKey()
    {
        using var folder = new TempDirectory();
        await using (await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
        }

        SqliteConnection.ClearAllPools();
        var (exit, _) = await CliTests.RunAsync("receipts", "rotate-key", "--data", folder.Path);
        Assert.Equal(0, exit);
        string retired = Scalar(folder.Path, "SELECT kid FROM receipt_signing_keys WHERE retired_at IS NOT NULL");

        Edit(folder.Path, "DELETE FROM receipt_signing_keys WHERE retired_at IS NOT NULL");
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => WardenTestServer.StartAsync(dataDirectory: folder.Path));
        Assert.Contains($"signing_key {retired}: missing from the tables", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DroppedAppendOnlyTrigger_IsRestoredAtStart_WithACriticalLine()
    {
        using var folder = new TempDirectory();
        await using (await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
        }

        Edit(folder.Path, "DROP TRIGGER log_entries_no_update");
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            Assert.Contains(server.Logs.Lines, l => l.StartsWith("Critical", StringComparison.Ordinal) && l.Contains("[4601]", StringComparison.Ordinal) && l.Contains("log_entries_no_update", StringComparison.Ordinal));
        }

        var error = Assert.Throws<SqliteException>(() => Edit(folder.Path, "UPDATE log_entries SET entry = x'00' WHERE idx = 0"));
        Assert.Equal(19, error.SqliteErrorCode);
    }

    [Fact]
    public async Task SwappedStoredReceipt_IsNotServed_AndIsLoggedCritically()
    {
        using var folder = new TempDirectory();
        string first;
        string second;
        string key;
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            key = server.DemoKey;
            first = await RelayAsync(server);
            second = await RelayAsync(server);
            await server.FlushUsageAsync();
        }

        Edit(folder.Path, $"UPDATE receipts SET jws = (SELECT jws FROM receipts WHERE request_id = '{second}') WHERE request_id = '{first}'");
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            using var swapped = await GetReceiptAsync(server, first, key);
            Assert.Equal(HttpStatusCode.InternalServerError, swapped.StatusCode);
            var error = (await Requests.ErrorAsync(swapped)).GetProperty("code").GetString();
            Assert.Equal("stored_receipt_inconsistent", error);
            Assert.Contains(server.Logs.Lines, l => l.StartsWith("Critical", StringComparison.Ordinal) && l.Contains("[4604]", StringComparison.Ordinal) && l.Contains(first, StringComparison.Ordinal));

            using var genuine = await GetReceiptAsync(server, second, key);
            Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
        }
    }

    [Fact]
    public async Task FolderFromBeforeCommitments_IsLoggedOnceAsABaseline_ThenChecked()
    {
        using var folder = new TempDirectory();
        var data = DataFolder.Open(folder.Path, null, TimeProvider.System);
        string database = Path.Combine(folder.Path, DataFolder.DatabaseFileName);

        // What an older Warden left: configuration rows, and entries that name the change without its content.
        Edit(folder.Path, """
            INSERT INTO channels (id, name, provider, base_url, models, priority, allow_private, managed_simulator, created_at)
            VALUES ('old-1', 'old-channel', 'simulator', 'http://127.0.0.1:9/v1/', '["sim-old"]', 0, 1, 0, '2026-01-01T00:00:00.000Z')
            """);
        using (var connection = data.Database.Open())
        using (var transaction = connection.BeginTransaction())
        {
            byte[] entry = """{"type":"config","action":"channel.add","subject":"old-channel","at":"2026-01-01T00:00:00.000Z","by":"cli"}"""u8.ToArray();
            Warden.Server.Trust.LogEntryRows.Append(connection, transaction, "config", entry, DateTimeOffset.UnixEpoch);
            transaction.Commit();
        }

        SqliteConnection.ClearAllPools();
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            Assert.Contains(server.Logs.Lines, l => l.Contains("[4602]", StringComparison.Ordinal));
        }

        var baselines = ConfigEntries(folder.Path).Where(e => e.Contains("\"config.baseline\"", StringComparison.Ordinal)).ToList();
        Assert.Contains("\"object\":\"channel/old-channel\"", Assert.Single(baselines), StringComparison.Ordinal);

        // Once: the next start finds the commitment and checks against it.
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            Assert.DoesNotContain(server.Logs.Lines, l => l.Contains("[4602]", StringComparison.Ordinal));
        }

        Assert.Single(ConfigEntries(folder.Path), e => e.Contains("\"config.baseline\"", StringComparison.Ordinal));
        Edit(folder.Path, "UPDATE channels SET base_url = 'http://127.0.0.1:8/v1/' WHERE name = 'old-channel'");
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => WardenTestServer.StartAsync(dataDirectory: folder.Path));
        Assert.Contains("channel old-channel: base_url differs from log entry", error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(database));
    }

    // A first start, then, through Warden's own stores (each logged): a price, a channel policy, an alias and the demo
    // key's fallback list. The server is stopped when this returns.
    private static async Task ConfigureAsync(string folder)
    {
        await using var server = await WardenTestServer.StartAsync(dataDirectory: folder);
        var data = server.App.Data;
        Assert.Null(data.Billing.Prices.Set("sim-small", "USD", new PriceRates(1_000_000, 2_000_000, 0, 0, 0)).Problem);
        Assert.Null(data.Policies.Set(Channel, "Answer briefly.", null, new Dictionary<string, string>()).Problem);
        Assert.Null(data.Aliases.Add("fast", "sim-small", null, null).Problem);
        string demo = data.Keys.List().Single(k => k.Name == "demo").Id;
        Assert.Null(data.Keys.SetFallback(demo, ["sim-small", "sim-large"]));
        server.Reload();
    }

    // A restarted folder prints no keys: a fresh client key through the same issuer the CLI uses.
    private static string IssueKey(WardenTestServer server)
    {
        var issued = server.App.Data.KeyIssuer.Issue("tamper-test", Warden.Server.Keys.KeyRole.Client, null, null);
        server.Reload();
        return issued.Plaintext;
    }

    private static async Task<string> RelayAsync(WardenTestServer server)
    {
        var (request, _) = ReceiptWire.Build("chat", server.DemoKey, stream: false);
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(response.Headers.GetValues("x-request-id"));
    }

    private static Task<HttpResponseMessage> GetReceiptAsync(WardenTestServer server, string requestId, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"v1/receipts/{requestId}");
        request.Headers.Authorization = new("Bearer", key);
        return server.Http.SendAsync(request);
    }

    // The claims of a version 2 receipt (docs/trust.md): its second '~' part.
    private static byte[] Payload(string jws) => Convert.FromBase64String(Pad(jws.Split('~')[1].Replace('-', '+').Replace('_', '/')));

    private static string Pad(string base64) => base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');

    // An outsider's digest, from the specification in docs/trust.md: replay "changes" of the entries that carry a
    // config_digest (a config.baseline entry starts over), then SHA-256 over "<id>\n<state>\n" in ordinal order of id.
    private static string RecomputeDigest(string folder)
    {
        var state = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string entry in ConfigEntries(folder))
        {
            using var document = JsonDocument.Parse(entry);
            var root = document.RootElement;
            if (!root.TryGetProperty("config_digest", out _))
            {
                continue;
            }

            if (root.GetProperty("action").GetString() == "config.baseline")
            {
                state.Clear();
            }

            foreach (var change in root.GetProperty("changes").EnumerateArray())
            {
                string id = change.GetProperty("object").GetString()!;
                var value = change.GetProperty("state");
                if (value.ValueKind == JsonValueKind.Null)
                {
                    state.Remove(id);
                }
                else
                {
                    state[id] = value.GetRawText();
                }
            }
        }

        var text = new StringBuilder();
        foreach (var (id, value) in state)
        {
            text.Append(id).Append('\n').Append(value).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static List<string> ConfigEntries(string folder)
    {
        using var connection = new SqliteConnection("Data Source=" + Path.Combine(folder, DataFolder.DatabaseFileName));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT entry FROM log_entries WHERE kind = 'config' ORDER BY idx";
        using var reader = command.ExecuteReader();
        var entries = new List<string>();
        while (reader.Read())
        {
            entries.Add(Encoding.UTF8.GetString((byte[])reader.GetValue(0)));
        }

        return entries;
    }

    private static string Scalar(string folder, string sql)
    {
        using var connection = new SqliteConnection("Data Source=" + Path.Combine(folder, DataFolder.DatabaseFileName));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (string)command.ExecuteScalar()!;
    }

    private static void Edit(string folder, string sql)
    {
        try
        {
            using var connection = new SqliteConnection("Data Source=" + Path.Combine(folder, DataFolder.DatabaseFileName));
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }
    }
}
