using System.Net;
using System.Text;
using System.Text.Json;
using Warden.Server.Billing;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Billing;

/// <summary>
/// Regressions of issue 18's money items, through real HTTP against the simulator: the hold is an upper bound of what
/// a request can cost (no shortfall under an adversarial load), an output limit beyond any model is a 400 rather than
/// an overflowing 500, and no path leaks a concurrency lease.
/// </summary>
public sealed class HoldUpperBoundTests
{
    // Cache reads and writes at the input rate: a prompt cache cannot make the served cost cheaper than its hold.
    private static readonly PriceRates Rates = new(3_000_000, 15_000_000, 3_000_000, 3_000_000, 15_000_000);

    /// <summary>Messages of one character each: the template's per-message tokens dwarf the text (issue 18's overspend).</summary>
    private static string ManyTinyMessages(string model, int count)
    {
        var body = new StringBuilder($"{{\"model\":\"{model}\",\"max_tokens\":1,\"messages\":[");
        for (int i = 0; i < count; i++)
        {
            body.Append(i == 0 ? "" : ",").Append("{\"role\":\"user\",\"content\":\"a\"}");
        }

        return body.Append("]}").ToString();
    }

    [Fact]
    public async Task AdversarialTinyMessages_TwoHundredAtOnce_NeverChargeBeyondTheBalance_AndNoSettlementHasAShortfall()
    {
        await using var metered = await MeteredServer.StartAsync();
        metered.SetPrice("sim-small", Rates);
        const long Funded = 500_000;   // 0.5 USD
        metered.TopUp(Funded);
        string body = ManyTinyMessages("sim-small", 401);

        // Bounded in count (200) and in time (the token cancels whatever is still running after two minutes).
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            using var response = await metered.Server.Http.SendAsync(MeteredServer.Chat(metered.Key, body), deadline.Token);
            return (Id: Assert.Single(response.Headers.GetValues("x-request-id")), response.StatusCode);
        }));

        Assert.All(results, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.PaymentRequired, r.StatusCode.ToString()));
        var served = results.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        Assert.NotEmpty(served);
        Assert.Equal(served.Count, metered.SettlementCount());

        long charged = 0;
        foreach (var (id, _) in served)
        {
            var settled = metered.Billing.Ledger.FindSettlement(id)!;
            Assert.Equal("reported", settled.UsageSource);
            Assert.True(settled.ChargedMicros <= settled.ReservedMicros, $"{id}: charged {settled.ChargedMicros} beyond its hold of {settled.ReservedMicros}");
            charged += settled.ChargedMicros;
        }

        Assert.Equal(0, MeteredServer.CountRows(metered.Server.DataDirectory, "SELECT COUNT(*) FROM settlements WHERE shortfall_micros <> 0"));
        Assert.Equal(0, MeteredServer.CountRows(metered.Server.DataDirectory, "SELECT COALESCE(SUM(shortfall_micros), 0) FROM settlements"));
        Assert.True(charged <= Funded, $"charged {charged} of a balance of {Funded}");
        Assert.Equal(Funded - charged, metered.Balance);
        Assert.Empty(metered.Billing.Check.Run());
    }

    [Theory]
    [InlineData("4611686018427387904")]
    [InlineData("9223372036854775807")]
    [InlineData("10000001")]
    public async Task OutputLimitBeyondTheCeiling_OnAMeteredKey_Is400InTheCallersProtocol_NotA500(string maxTokens)
    {
        await using var metered = await MeteredServer.StartAsync();
        metered.SetPrice("sim-small", Rates);
        metered.TopUp(1_000_000);

        string chat = $"{{\"model\":\"sim-small\",\"max_tokens\":{maxTokens},\"messages\":[{{\"role\":\"user\",\"content\":\"hi\"}}]}}";
        using (var response = await metered.Server.Http.SendAsync(MeteredServer.Chat(metered.Key, chat)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = await Requests.ErrorAsync(response);
            Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
            Assert.Equal("max_tokens", error.GetProperty("param").GetString());
            Assert.Contains("10000000", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        string messages = $"{{\"model\":\"sim-small\",\"max_tokens\":{maxTokens},\"messages\":[{{\"role\":\"user\",\"content\":\"hi\"}}]}}";
        using (var response = await metered.Server.Http.SendAsync(MeteredServer.Messages(metered.Key, messages)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
            Assert.Equal("error", json.RootElement.GetProperty("type").GetString());
            Assert.Equal("invalid_request_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        }

        string responses = $"{{\"model\":\"sim-small\",\"max_output_tokens\":{maxTokens},\"input\":\"hi\"}}";
        using (var response = await metered.Server.Http.SendAsync(Requests.Chat(metered.Key, responses, "v1/responses")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = await Requests.ErrorAsync(response);
            Assert.Equal("max_output_tokens", error.GetProperty("param").GetString());
        }

        Assert.Equal(1_000_000, metered.Balance);
        Assert.Empty(metered.Billing.Check.Run());
    }

    [Fact]
    public async Task OverflowingRequests_DoNotLeakTheTenantsConcurrencySlot_ANormalRequestStillPasses()
    {
        await using var metered = await MeteredServer.StartAsync();
        metered.SetPrice("sim-small", Rates);
        metered.TopUp(1_000_000);
        Assert.Null(metered.Billing.RateLimits.Set(new RateLimits("tenant", metered.Tenant.Id, null, null, 1)));
        metered.Server.Reload();

        const string Overflowing = """{"model":"sim-small","max_tokens":4611686018427387904,"messages":[{"role":"user","content":"hi"}]}""";
        for (int i = 0; i < 2; i++)
        {
            using var response = await metered.Server.Http.SendAsync(MeteredServer.Chat(metered.Key, Overflowing));
            Assert.True((int)response.StatusCode < 500, $"answered {(int)response.StatusCode}");
        }

        using var normal = await metered.Server.Http.SendAsync(MeteredServer.Chat(metered.Key, MeteredServer.ChatBody("sim-small", 16)));
        Assert.Equal(HttpStatusCode.OK, normal.StatusCode);
        Assert.Empty(metered.Billing.Check.Run());
    }

    [Fact]
    public async Task PriceSoDearThatTheWorstCaseOverflows_Is402_AndFreesTheSlot()
    {
        // Every operator amount has a ceiling now (Money), so only the largest price at the largest multiplier can
        // still make the worst case leave 64 bits: 10^7 output tokens x 10^15 micros per million x 1000.
        await using var metered = await MeteredServer.StartAsync(Money.MaxMultiplierPpm);
        metered.SetPrice("sim-small", new PriceRates(Money.MaxAmountMicros, Money.MaxAmountMicros, 0, 0, 0));
        metered.TopUp(1_000_000_000_000);
        Assert.Null(metered.Billing.RateLimits.Set(new RateLimits("tenant", metered.Tenant.Id, null, null, 1)));
        metered.Server.Reload();

        for (int i = 0; i < 2; i++)
        {
            using var response = await metered.Server.Http.SendAsync(MeteredServer.Chat(metered.Key, MeteredServer.ChatBody("sim-small", 10_000_000)));
            Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
            var error = await Requests.ErrorAsync(response);
            Assert.Equal("insufficient_credit", error.GetProperty("code").GetString());
        }

        // The refusals took nothing: with the price back to normal, the one slot is free.
        metered.SetPrice("sim-small", Rates);
        using var normal = await metered.Server.Http.SendAsync(MeteredServer.Chat(metered.Key, MeteredServer.ChatBody("sim-small", 16)));
        Assert.Equal(HttpStatusCode.OK, normal.StatusCode);
    }

    [Fact]
    public async Task ALedgerThatThrowsDuringTheHold_FreesTheConcurrencySlot()
    {
        using var setup = new BillingSetup();
        setup.Billing.Ledger.TopUp(setup.Tenant, null, 1_000_000, "admin:test");
        Assert.Null(setup.Billing.RateLimits.Set(new RateLimits("tenant", setup.Tenant.Id, null, null, 1)));

        setup.RawSql("ALTER TABLE reservations RENAME TO reservations_away");
        await Assert.ThrowsAnyAsync<Microsoft.Data.Sqlite.SqliteException>(() => setup.Billing.Gate.ReserveAsync(setup.Key, BillingSetup.Model, 10, 10, "r-broken"));
        setup.RawSql("ALTER TABLE reservations_away RENAME TO reservations");

        var outcome = await setup.Billing.Gate.ReserveAsync(setup.Key, BillingSetup.Model, 10, 10, "r-after");
        Assert.NotNull(outcome.Reservation);
    }

    [Fact]
    public async Task ASecondLimitMemberAskingForMore_IsLoweredToTheHeldLimit_AndDeclared()
    {
        // The hold takes max_completion_tokens (1); a vendor that documents only max_tokens would have generated 5,000.
        await using var metered = await MeteredServer.StartAsync();
        metered.SetPrice("sim-small", Rates);
        metered.TopUp(1_000_000);
        const string Body = """{"model":"sim-small","max_tokens":5000,"max_completion_tokens":1,"messages":[{"role":"user","content":"hi"}]}""";
        using var response = await metered.Server.Http.SendAsync(MeteredServer.Chat(metered.Key, Body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string jws = Assert.Single(response.Headers.GetValues("Warden-Receipt"));
        using var claims = JsonDocument.Parse(Base64UrlDecode(jws.Split('~')[1]));
        var changes = claims.RootElement.GetProperty("changes").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains(OutputLimits.CapChange + "1", changes);
        Assert.Empty(metered.Billing.Check.Run());
    }

    [Fact]
    public async Task NoLimitNamed_IsHeldAtTheModelsKnownMaximum_AndTheBodyGoesUpstreamUnchanged()
    {
        await using var metered = await MeteredServer.StartAsync();
        var price = metered.SetPrice("sim-small", Rates);
        metered.TopUp(10_000_000);
        const string Body = """{"model":"sim-small","messages":[{"role":"user","content":"hi"}]}""";
        using var response = await metered.Server.Http.SendAsync(MeteredServer.Chat(metered.Key, Body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string id = Assert.Single(response.Headers.GetValues("x-request-id"));
        var settled = metered.Billing.Ledger.FindSettlement(id)!;
        long expected = PriceCalculator.WorstCase(price, Warden.Core.Canonical.InputTokenBound.FromJson(Encoding.UTF8.GetBytes(Body)),
            OutputLimits.KnownMaximum("sim-small")!.Value, 1_000_000);
        Assert.Equal(expected, settled.ReservedMicros);
        string jws = Assert.Single(response.Headers.GetValues("Warden-Receipt"));
        using var claims = JsonDocument.Parse(Base64UrlDecode(jws.Split('~')[1]));
        Assert.DoesNotContain(claims.RootElement.GetProperty("changes").EnumerateArray(), c => c.GetString()!.StartsWith(OutputLimits.CapChange, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUpstreamCountSoLargeThatSettlingOverflows_StillFreesTheConcurrencySlot()
    {
        using var setup = new BillingSetup();
        setup.Billing.Ledger.TopUp(setup.Tenant, null, 1_000_000, "admin:test");
        Assert.Null(setup.Billing.RateLimits.Set(new RateLimits("tenant", setup.Tenant.Id, null, null, 1)));

        var held = (await setup.Billing.Gate.ReserveAsync(setup.Key, BillingSetup.Model, 10, 10, "r-absurd")).Reservation!;
        var absurd = new Warden.Core.Chat.Usage(long.MaxValue, long.MaxValue, null, null, null, Warden.Core.Chat.UsageSource.Reported);
        await Assert.ThrowsAsync<OverflowException>(() => setup.Billing.Gate.SettleAsync(held, absurd));

        Assert.NotNull((await setup.Billing.Gate.ReserveAsync(setup.Key, BillingSetup.Model, 10, 10, "r-next")).Reservation);
    }

    private static byte[] Base64UrlDecode(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);
}
