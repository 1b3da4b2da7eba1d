using System.Net;
using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Trust;
using Warden.Server.Billing;
using Warden.Server.Pipeline;
using Warden.Server.Tests.Support;
using Warden.Server.Tests.Trust;
using Warden.Server.Trust;
using Warden.Server.Usage;

namespace Warden.Server.Tests.Billing;

/// <summary>The billing stage of the request path, through real HTTP: reserve before forwarding, settle after.</summary>
public sealed class BillingPipelineTests
{
    // Anthropic-like rates in micro-USD per million tokens: input 3, output 15, cache read 0.30, cache write 3.75, reasoning 10.
    private static readonly PriceRates Rates = new(3_000_000, 15_000_000, 300_000, 3_750_000, 10_000_000);

    [Fact]
    public async Task TwoHundredConcurrentChats_EachIs200AndSettledOr402_AndTheLedgerBalances()
    {
        await using var metered = await MeteredServer.StartAsync();
        var price = metered.SetPrice("sim-small", Rates);
        string body = MeteredServer.ChatBody("sim-small", maxTokens: 16);
        long inputBound = InputTokenBound.FromJson(Encoding.UTF8.GetBytes(body));
        long worstCase = PriceCalculator.WorstCase(price, inputBound, 16, 1_000_000);
        Assert.True(worstCase > 0);
        long funded = 50 * worstCase;
        metered.TopUp(funded);

        using var gate = new SemaphoreSlim(50);
        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                using var response = await metered.Server.Http.SendAsync(MeteredServer.Chat(metered.Key, body));
                string id = Assert.Single(response.Headers.GetValues("x-request-id"));
                if (response.StatusCode == HttpStatusCode.PaymentRequired)
                {
                    var error = await Requests.ErrorAsync(response);
                    Assert.Equal("insufficient_credit", error.GetProperty("code").GetString());
                    Assert.Equal("insufficient_quota", error.GetProperty("type").GetString());
                }
                else
                {
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    using var answer = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
                    Assert.Equal("chat.completion", answer.RootElement.GetProperty("object").GetString());
                }

                Assert.True(metered.Balance >= 0);
                return (id, response.StatusCode);
            }
            finally
            {
                gate.Release();
            }
        }));

        var ok = results.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        int refused = results.Count(r => r.StatusCode == HttpStatusCode.PaymentRequired);
        Assert.Equal(200, ok.Count + refused);

        // A refusal means the holds and charges already exceeded 49 worst cases, each request contributing at most one:
        // so at least 50 were admitted whenever any was refused.
        Assert.True(ok.Count >= 50, $"{ok.Count} admitted");
        Assert.True(refused > 0, "the balance covers 50 worst cases, so 200 requests cannot all be admitted");
        Assert.Equal(ok.Count, metered.SettlementCount());
        long charged = 0;
        foreach (var (id, _) in ok)
        {
            var settled = metered.Billing.Ledger.FindSettlement(id);
            Assert.NotNull(settled);
            Assert.Equal("reported", settled.UsageSource);
            Assert.Equal(price.Version, settled.PriceVersion);
            charged += settled.ChargedMicros;
        }

        Assert.Equal(funded - charged, metered.Balance);
        Assert.True(metered.Balance >= 0);
        Assert.Empty(metered.Billing.Check.Run());
        Assert.Equal(0, MeteredServer.CountRows(metered.Server.DataDirectory, "SELECT COUNT(*) FROM reservations WHERE state = 'open'"));

        var usage = await metered.Server.FlushUsageAndReadAsync();
        Assert.Equal(refused, usage.Count(u => u.Outcome == "refused_billing" && u.Status == 402));
    }

    [Fact]
    public async Task AnthropicClient_Gets402InAnthropicsErrorJson_And429WithRetryAfterFromTheRateLimiter()
    {
        await using var metered = await MeteredServer.StartAsync();
        metered.SetPrice("sim-small", Rates);
        const string Body = """{"model":"sim-small","max_tokens":16,"messages":[{"role":"user","content":"Hello"}]}""";

        using (var broke = await metered.Server.Http.SendAsync(MeteredServer.Messages(metered.Key, Body)))
        {
            Assert.Equal(HttpStatusCode.PaymentRequired, broke.StatusCode);
            using var json = JsonDocument.Parse(await broke.Content.ReadAsByteArrayAsync());
            Assert.Equal("error", json.RootElement.GetProperty("type").GetString());
            Assert.Equal("billing_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
            Assert.Contains("credit", json.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
            Assert.False(broke.Headers.Contains("Retry-After"));
        }

        metered.TopUp(10_000_000);

        // A model with no price is refused for a metered key, in the client's protocol.
        using (var unpriced = await metered.Server.Http.SendAsync(MeteredServer.Messages(metered.Key, Body.Replace("sim-small", "sim-large", StringComparison.Ordinal))))
        {
            Assert.Equal(HttpStatusCode.Forbidden, unpriced.StatusCode);
            using var json = JsonDocument.Parse(await unpriced.Content.ReadAsByteArrayAsync());
            Assert.Equal("permission_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        }

        Assert.Null(metered.Billing.RateLimits.Set(new RateLimits("key", metered.ClientKey.Id, 1, null, null)));
        using (var first = await metered.Server.Http.SendAsync(MeteredServer.Messages(metered.Key, Body)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using (var limited = await metered.Server.Http.SendAsync(MeteredServer.Messages(metered.Key, Body)))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            var retryAfter = limited.Headers.RetryAfter?.Delta;
            Assert.NotNull(retryAfter);
            Assert.InRange(retryAfter.Value.TotalSeconds, 1, 60);
            using var json = JsonDocument.Parse(await limited.Content.ReadAsByteArrayAsync());
            Assert.Equal("rate_limit_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        }

        Assert.Equal(1, metered.SettlementCount());
        Assert.Empty(metered.Billing.Check.Run());
    }

    [Fact]
    public async Task Settlement_BillsTheUsageTheUpstreamReported_AndTheReceiptStatesTheCost()
    {
        await using var metered = await MeteredServer.StartAsync(multiplierPpm: 1_250_000);
        var price = metered.SetPrice("sim-reasoner", Rates);
        metered.TopUp(10_000_000);
        string body = MeteredServer.ChatBody("sim-reasoner", maxTokens: 2_000);

        using var response = await metered.Server.Http.SendAsync(MeteredServer.Chat(metered.Key, body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string id = Assert.Single(response.Headers.GetValues("x-request-id"));
        string jws = Assert.Single(response.Headers.GetValues("Warden-Receipt"));
        await response.Content.ReadAsByteArrayAsync();

        var settled = metered.Billing.Ledger.FindSettlement(id)!;
        var row = await metered.Server.UsageForAsync(id);
        var journal = metered.Simulator.Journal.Find(row.UpstreamRequestId!)!;
        var reported = journal.Usage!;
        Assert.True(reported.ReasoningTokens > 0);

        // The price math by hand on the simulator's own counts (OpenAI semantics: cached within prompt, reasoning within completion).
        long uncached = Ceil(reported.PromptTokens - reported.CachedTokens, 3_000_000);
        long cacheRead = Ceil(reported.CachedTokens, 300_000);
        long visible = Ceil(reported.CompletionTokens - reported.ReasoningTokens, 15_000_000);
        long reasoning = Ceil(reported.ReasoningTokens, 10_000_000);
        long expected = Ceil(uncached + cacheRead + visible + reasoning, 1_250_000);
        Assert.Equal("reported", settled.UsageSource);
        Assert.Equal(expected, settled.CostMicros);
        Assert.Equal(expected, settled.ChargedMicros);
        Assert.Equal(10_000_000 - expected, metered.Balance);

        var claims = ReceiptVerifier.Verify(jws, await ReceiptWire.JwksAsync(metered.Server)).Claims!;
        Assert.Equal(price.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), claims.PriceVersion);
        Assert.Equal(new ReceiptCost(expected, "USD"), claims.Cost);
        Assert.Empty(metered.Billing.Check.Run());
    }

    [Fact]
    public async Task CompleteAnswerWhoseSettlementFails_IsWithheldAs503InTheClientsProtocol_AndNeverCharged()
    {
        await using var metered = await MeteredServer.StartAsync();
        metered.SetPrice("sim-small", Rates);
        metered.TopUp(10_000_000);
        const string AnthropicBody = """{"model":"sim-small","max_tokens":16,"messages":[{"role":"user","content":"Hello"}]}""";

        // Settling fails with a real SQLite error (as a full disk or a lock held past the timeout would) while holds
        // still succeed: the answers must not go out as 200s, since no settlement of them is committed.
        Execute(metered.Server.DataDirectory,
            "CREATE TRIGGER refuse_settlement BEFORE INSERT ON settlements BEGIN SELECT RAISE(ABORT, 'settlement refused by the test'); END");
        string chatId, messagesId;
        using (var chat = await metered.Server.Http.SendAsync(MeteredServer.Chat(metered.Key, MeteredServer.ChatBody("sim-small", 16))))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, chat.StatusCode);
            chatId = Assert.Single(chat.Headers.GetValues("x-request-id"));
            Assert.False(chat.Headers.Contains(RequestReceipts.HeaderName));
            Assert.NotNull(chat.Headers.RetryAfter);
            var error = await Requests.ErrorAsync(chat);
            Assert.Equal("billing_unavailable", error.GetProperty("code").GetString());
        }

        using (var messages = await metered.Server.Http.SendAsync(MeteredServer.Messages(metered.Key, AnthropicBody)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, messages.StatusCode);
            messagesId = Assert.Single(messages.Headers.GetValues("x-request-id"));
            using var json = JsonDocument.Parse(await messages.Content.ReadAsByteArrayAsync());
            Assert.Equal("error", json.RootElement.GetProperty("type").GetString());
            Assert.Equal("overloaded_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        }

        // Nothing was charged: both holds are still open, and the records say why the answers were withheld.
        Assert.Equal(0, metered.SettlementCount());
        Assert.Equal(2, MeteredServer.CountRows(metered.Server.DataDirectory, "SELECT COUNT(*) FROM reservations WHERE state = 'open'"));
        foreach (string id in (string[])[chatId, messagesId])
        {
            var row = await metered.Server.UsageForAsync(id);
            Assert.Equal(503, row.Status);
            Assert.Equal(UsageOutcome.SettlementFailed, row.Outcome);
            Assert.Contains($"Settling request {id} failed", metered.Server.Logs.All, StringComparison.Ordinal);
        }

        Assert.Empty(metered.Billing.Check.Run());

        // Once the database takes settlements again, answers flow, and the withheld ones are released unbilled.
        Execute(metered.Server.DataDirectory, "DROP TRIGGER refuse_settlement");
        using (var ok = await metered.Server.Http.SendAsync(MeteredServer.Chat(metered.Key, MeteredServer.ChatBody("sim-small", 16))))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("reported", metered.Billing.Ledger.FindSettlement(Assert.Single(ok.Headers.GetValues("x-request-id")))!.UsageSource);
        }

        Assert.Equal(2, metered.Billing.Ledger.ReleaseStale(TimeProvider.System.GetUtcNow() + TimeSpan.FromMinutes(1)));
        Assert.Equal(0, MeteredServer.CountRows(metered.Server.DataDirectory, "SELECT COALESCE(SUM(charged_micros), 0) FROM settlements WHERE usage_note LIKE 'expired%'"));
        long charged = MeteredServer.CountRows(metered.Server.DataDirectory, "SELECT COALESCE(SUM(charged_micros), 0) FROM settlements");
        Assert.Equal(10_000_000 - charged, metered.Balance);
        Assert.Empty(metered.Billing.Check.Run());
    }

    [Fact]
    public async Task ClientDisconnectMidStream_IsSettledWithTheLabelledInputEstimate_AndTheLedgerBalances()
    {
        await using var metered = await MeteredServer.StartAsync();
        const string Model = "sim-small~pace-500";
        metered.SetPrice(Model, Rates);
        metered.TopUp(10_000_000);
        string body = MeteredServer.ChatBody(Model, maxTokens: 64, stream: true);
        long estimate = TokenEstimator.EstimateFromJson(Encoding.UTF8.GetBytes(body));

        string id;
        using (var request = MeteredServer.Chat(metered.Key, body))
        {
            using var response = await metered.Server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            id = Assert.Single(response.Headers.GetValues("x-request-id"));
            await using var stream = await response.Content.ReadAsStreamAsync();
            Assert.Equal(1, await stream.ReadAsync(new byte[1]));
        }

        var settled = await metered.SettlementOfAsync(id);

        // The simulator reports usage only in its last chunk, which the cancelled upstream call never delivered:
        // the settlement is the labelled estimate of the input, output not reported — never the full hold, never silent.
        Assert.Equal("estimated", settled.UsageSource);
        Assert.Contains(RelayPipeline.InputEstimateMethod, settled.UsageNote, StringComparison.Ordinal);
        Assert.Contains("not_reported", settled.UsageNote, StringComparison.Ordinal);
        Assert.Equal(Ceil(estimate, 3_000_000), settled.ChargedMicros);
        Assert.True(settled.ChargedMicros < settled.ReservedMicros);
        Assert.Equal(10_000_000 - settled.ChargedMicros, metered.Balance);
        Assert.Empty(metered.Billing.Check.Run());

        var row = await metered.Server.UsageForAsync(id);
        Assert.Equal("client_cancelled", row.Outcome);
    }

    [Fact]
    public async Task UnmeteredKey_PassesWithoutAnyLedgerMovement()
    {
        await using var metered = await MeteredServer.StartAsync();
        using var response = await metered.Server.Http.SendAsync(MeteredServer.Chat(metered.Server.DemoKey, MeteredServer.ChatBody("sim-small", 16)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, metered.SettlementCount());
        Assert.Equal(0, MeteredServer.CountRows(metered.Server.DataDirectory, "SELECT COUNT(*) FROM ledger_entries"));
    }

    [Fact]
    public async Task StaleHoldsLeftByAStoppedServer_AreReleasedUnbilledAtStart()
    {
        // Holds written by a server whose clock was 20 minutes and then 1 minute before this start.
        var clock = new Warden.Server.Tests.Simulator.ManualTimeProvider(TimeProvider.System.GetUtcNow() - TimeSpan.FromMinutes(20));
        using var setup = new BillingSetup(clock);
        setup.Billing.Ledger.TopUp(setup.Tenant, null, 1_000_000, "admin:test");
        var old = (await setup.Billing.Gate.ReserveAsync(setup.Key, BillingSetup.Model, 1_000, 1_000, "req-crashed")).Reservation!;
        clock.Advance(TimeSpan.FromMinutes(19));
        var young = (await setup.Billing.Gate.ReserveAsync(setup.Key, BillingSetup.Model, 1_000, 1_000, "req-young")).Reservation!;
        Assert.Equal(1_000_000 - old.ReservedMicros - young.ReservedMicros, setup.Billing.Ledger.Balance(setup.Tenant.AccountId));

        await using var server = await WardenTestServer.StartAsync(o => o with { EnableSimulator = false }, setup.DataPath);
        var ledger = server.App.Data.Billing.Ledger;
        var released = ledger.FindSettlement("req-crashed");
        Assert.NotNull(released);
        Assert.Equal(0, released.ChargedMicros);
        Assert.StartsWith("expired", released.UsageNote, StringComparison.Ordinal);
        Assert.Null(ledger.FindSettlement("req-young"));
        Assert.Equal(1_000_000 - young.ReservedMicros, ledger.Balance(setup.Tenant.AccountId));
        Assert.Empty(server.App.Data.Billing.Check.Run());
        Assert.Contains("Released 1 billing holds", server.Logs.All, StringComparison.Ordinal);
    }

    private static void Execute(string dataDirectory, string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dataDirectory, Warden.Server.Hosting.DataFolder.DatabaseFileName)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Ceil(long tokens, long perMillion) => tokens <= 0 ? 0 : ((tokens * perMillion) + 999_999) / 1_000_000;
}
