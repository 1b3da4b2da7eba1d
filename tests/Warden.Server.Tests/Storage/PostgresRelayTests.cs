using System.Net;
using System.Text;
using OpenAI.Chat;
using Warden.Core.Trust;
using Warden.Server.Cli;
using Warden.Server.Keys;
using Warden.Server.Tests.Billing;
using Warden.Server.Tests.Support;
using Warden.Server.Tests.Trust;

namespace Warden.Server.Tests.Storage;

/// <summary>
/// A real Warden on PostgreSQL end to end (issue 24): a complete and a streamed answer through the official OpenAI SDK
/// with a metered key, their usage and settlements committed, <c>warden ledger check --database</c> clean, and the
/// transparency log's receipts included under checkpoints that verify and extend each other.
/// </summary>
public sealed class PostgresRelayTests : IPostgresTests, IDisposable
{
    private readonly Lazy<TestPostgres> _database = new(() => new TestPostgres());

    [BackendFact]
    public async Task CompleteAndStreamedAnswers_AreMeteredLoggedAndChecked_OnPostgres()
    {
        string connectionString = _database.Value.ConnectionString;
        await using var server = await WardenTestServer.StartAsync(o => o with { Database = connectionString });
        var data = server.App.Data;
        Assert.True(data.Database.IsPostgres);
        var keys = await ReceiptWire.LogKeysAsync(server);
        string before = await server.Http.GetStringAsync("v1/transparency/checkpoint");

        var tenant = data.Billing.Tenants.Add("acme", "USD").Tenant!;
        var issued = data.KeyIssuer.Issue("acme-key", KeyRole.Client, null, null);
        Assert.Null(data.Billing.Tenants.AssignKey(issued.Key.Id, tenant.Id));
        Assert.Null(data.Billing.Prices.Set("sim-small", "USD", BillingSetup.Rates).Problem);
        Assert.Null(data.Billing.Ledger.TopUp(tenant, null, 10_000_000, "admin:test").Problem);
        server.Reload();

        var chat = server.Chat("sim-small", issued.Plaintext);
        var complete = await chat.CompleteChatAsync([new UserChatMessage("Say hello.")]);
        Assert.NotEmpty(complete.Value.Content[0].Text);
        var streamed = new StringBuilder();
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Say hello.")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                streamed.Append(part.Text);
            }
        }

        Assert.NotEqual(0, streamed.Length);
        await server.FlushUsageAsync();
        Assert.Equal(2, data.Usage.Summarise(null).Where(r => r.Key == "acme-key").Sum(r => r.Requests));
        Assert.True(data.Billing.Ledger.Balance(tenant.AccountId) < 10_000_000, "the answers were charged");
        Assert.Empty(data.Billing.Check.Run());

        var output = new StringWriter();
        int exit = await WardenCli.Build().Parse(["ledger", "check", "--data", server.DataDirectory, "--database", connectionString])
            .InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = output });
        Assert.True(exit == 0, output.ToString());

        // A receipt of this run is in the log, and the log only grew.
        var (request, _) = ReceiptWire.Build("chat", server.DemoKey, stream: true);
        using var response = await server.Http.SendAsync(request);
        var (_, jws) = ReceiptWire.SplitTrailer(await response.Content.ReadAsByteArrayAsync());
        string requestId = Assert.Single(response.Headers.GetValues("x-request-id"));
        await server.FlushUsageAsync();
        using var get = new HttpRequestMessage(HttpMethod.Get, "v1/transparency/proof/inclusion?receipt=" + requestId);
        get.Headers.Authorization = new("Bearer", server.DemoKey);
        using var proofResponse = await server.Http.SendAsync(get);
        Assert.Equal(HttpStatusCode.OK, proofResponse.StatusCode);
        var evidence = TransparencyLogTests.ReadInclusion(await proofResponse.Content.ReadAsByteArrayAsync(), keys);
        var checks = LogVerifier.VerifyInclusion(LogEntry.ReceiptLeafHash(jws), evidence);
        Assert.All(checks, c => Assert.True(c.Passed, c.Name + ": " + c.Detail));

        string after = await server.Http.GetStringAsync("v1/transparency/checkpoint");
        long from = SignedCheckpoint.Verify(before, keys).Checkpoint!.TreeSize;
        long to = SignedCheckpoint.Verify(after, keys).Checkpoint!.TreeSize;
        Assert.True(to >= from + 3, $"three receipts and the billing changes are new entries ({from} → {to})");
        byte[] consistency = await server.Http.GetByteArrayAsync($"v1/transparency/proof/consistency?from={from}&to={to}");
        var report = LogVerifier.VerifyConsistency(before, after, TransparencyLogTests.ReadProof(consistency), keys);
        Assert.True(report.Checks.All(c => c.Passed), string.Join("; ", report.Checks.Select(c => c.Name + ": " + c.Detail)));
    }

    public void Dispose()
    {
        if (_database.IsValueCreated)
        {
            _database.Value.Dispose();
        }
    }
}
