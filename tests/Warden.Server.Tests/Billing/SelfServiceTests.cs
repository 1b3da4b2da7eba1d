using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Warden.Server.Billing;
using Warden.Server.Keys;

namespace Warden.Server.Tests.Billing;

/// <summary>
/// A key holder's own view (issue 22): <c>/v1/dashboard/billing/subscription</c> and <c>/usage</c> in the shapes the
/// dashboard clients read, and <c>/v1/me</c>; each shows the calling key's data and nothing of another key's.
/// </summary>
public sealed class SelfServiceTests
{
    private static readonly PriceRates Rates = new(1_000_000, 2_000_000, 1_000_000, 1_000_000, 2_000_000);

    [Fact]
    public async Task DashboardRoutes_MeteredKey_ShowBalanceAndOwnUsageInTheClientsShape()
    {
        await using var metered = await MeteredServer.StartAsync();
        metered.SetPrice("sim-small", Rates);
        metered.TopUp(10_000_000);
        var other = metered.Server.App.Data.KeyIssuer.Issue("other", KeyRole.Client, null, null);
        Assert.Null(metered.Billing.Tenants.AssignKey(other.Key.Id, metered.Tenant.Id));
        metered.Server.Reload();

        long mine = await ChargedChatAsync(metered, metered.Key);
        long theirs = await ChargedChatAsync(metered, other.Plaintext);

        var subscription = await GetAsync(metered, "v1/dashboard/billing/subscription", metered.Key);
        Assert.Equal("billing_subscription", subscription.GetProperty("object").GetString());
        Assert.True(subscription.GetProperty("has_payment_method").GetBoolean());
        var usage = await GetAsync(metered, "v1/dashboard/billing/usage", metered.Key);
        Assert.Equal("list", usage.GetProperty("object").GetString());
        Assert.Equal(mine / 10_000m, usage.GetProperty("total_usage").GetDecimal());

        // What a dashboard client computes: the limit less this month's usage is the balance left.
        decimal shown = subscription.GetProperty("hard_limit_usd").GetDecimal() - usage.GetProperty("total_usage").GetDecimal() / 100m;
        Assert.Equal(metered.Balance / 1_000_000m, shown);
        Assert.Equal(10_000_000 - mine - theirs, metered.Balance);

        // Dates before any request: nothing used.
        var empty = await GetAsync(metered, "v1/dashboard/billing/usage?start_date=2020-01-01&end_date=2020-02-01", metered.Key);
        Assert.Equal(0m, empty.GetProperty("total_usage").GetDecimal());
    }

    [Fact]
    public async Task Me_ShowsOwnBalanceLimitsUsageAndModels_NeverAnotherKeys()
    {
        await using var metered = await MeteredServer.StartAsync();
        metered.SetPrice("sim-small", Rates);
        metered.TopUp(10_000_000);
        Assert.Null(metered.Billing.RateLimits.Set(new RateLimits("key", metered.ClientKey.Id, 600, null, null)));
        var other = metered.Server.App.Data.KeyIssuer.Issue("other", KeyRole.Client, ["sim-large"], null);
        Assert.Null(metered.Billing.Tenants.AssignKey(other.Key.Id, metered.Tenant.Id));
        metered.Server.Reload();
        long mine = await ChargedChatAsync(metered, metered.Key);

        var me = await GetAsync(metered, "v1/me", metered.Key);
        Assert.Equal(metered.ClientKey.Id, me.GetProperty("key").GetProperty("id").GetString());
        Assert.True(me.GetProperty("metered").GetBoolean());
        Assert.Equal("acme", me.GetProperty("tenant").GetString());
        Assert.Equal(metered.Balance, me.GetProperty("balance").GetProperty("micros").GetInt64());
        Assert.Equal(600, me.GetProperty("rate_limits").EnumerateArray().Single().GetProperty("requests_per_minute").GetInt64());
        Assert.Equal(1, me.GetProperty("usage_this_month").GetProperty("requests").GetInt64());
        Assert.Equal(mine, me.GetProperty("usage_this_month").GetProperty("charged_micros").GetInt64());
        Assert.Contains("sim-small", me.GetProperty("models").EnumerateArray().Select(m => m.GetString()));

        // The other key sees its own id, models and (no) usage, and none of the first key's.
        var theirs = await GetAsync(metered, "v1/me", other.Plaintext);
        Assert.Equal(other.Key.Id, theirs.GetProperty("key").GetProperty("id").GetString());
        Assert.Equal(0, theirs.GetProperty("usage_this_month").GetProperty("requests").GetInt64());
        Assert.Equal(["sim-large"], theirs.GetProperty("models").EnumerateArray().Select(m => m.GetString()!));
        Assert.Empty(theirs.GetProperty("rate_limits").EnumerateArray());
        Assert.DoesNotContain(metered.ClientKey.Id, theirs.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SelfServiceRoutes_WithoutAKeyOrWithBadDates_AreOpenAIErrors()
    {
        await using var metered = await MeteredServer.StartAsync();
        foreach (string path in (string[])["v1/me", "v1/dashboard/billing/subscription", "v1/dashboard/billing/usage"])
        {
            using var response = await metered.Server.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.TryGetProperty("error", out _));
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/dashboard/billing/usage?start_date=yesterday");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", metered.Key);
        using var bad = await metered.Server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("invalid_date", JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Subscription_UnmeteredKey_IsUnlimitedWithoutAPaymentMethod()
    {
        await using var metered = await MeteredServer.StartAsync();
        var subscription = await GetAsync(metered, "v1/dashboard/billing/subscription", metered.Server.DemoKey);
        Assert.False(subscription.GetProperty("has_payment_method").GetBoolean());
        Assert.Equal(100_000_000m, subscription.GetProperty("hard_limit_usd").GetDecimal());
        var me = await GetAsync(metered, "v1/me", metered.Server.DemoKey);
        Assert.False(me.GetProperty("metered").GetBoolean());
        Assert.Equal(JsonValueKind.Null, me.GetProperty("balance").ValueKind);
    }

    private static async Task<long> ChargedChatAsync(MeteredServer metered, string key)
    {
        using var response = await metered.Server.Http.SendAsync(MeteredServer.Chat(key, MeteredServer.ChatBody("sim-small", 32)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string requestId = response.Headers.GetValues("x-request-id").Single();
        await metered.Server.UsageForAsync(requestId);
        var settlement = metered.Billing.Ledger.FindSettlement(requestId)!;
        Assert.True(settlement.ChargedMicros > 0);
        return settlement.ChargedMicros;
    }

    private static async Task<JsonElement> GetAsync(MeteredServer metered, string path, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await metered.Server.Http.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
