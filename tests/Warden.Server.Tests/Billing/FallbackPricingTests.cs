using System.Net;
using System.Text;
using Warden.Core.Providers.OpenAI;
using Warden.Server.Billing;
using Warden.Server.Keys;
using Warden.Server.Tests.Resilience;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Billing;

/// <summary>
/// Regression of issue 18 (money: a fallback-served request was billed at the requested model's price): the primary
/// model's channel fails (simulator fault 500), the key's declared fallback model serves, and the bill is the served
/// model's price, named with the requested one in the receipt. The hold moves to the fallback's price before the
/// fallback is tried, so a dearer fallback the balance cannot cover is a 402, not an overspend.
/// </summary>
public sealed class FallbackPricingTests
{
    private static readonly PriceRates Cheap = new(1_000_000, 2_000_000, 100_000, 1_000_000, 2_000_000);
    private static readonly PriceRates Dear = new(3_000_000, 15_000_000, 300_000, 3_750_000, 10_000_000);

    [Fact]
    public async Task FallbackServed_IsBilledAtTheServedModelsPrice_AndTheReceiptNamesBoth()
    {
        await using var lab = await RoutingLab.StartAsync();
        var (billing, tenant, key) = Metered(lab, topUp: 10_000_000);
        var requested = billing.Prices.Set("sim-large", "USD", Cheap).Price!;
        var served = billing.Prices.Set("sim-small", "USD", Dear).Price!;

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(key, Body("sim-large")));
        string body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("from=sim-large; to=sim-small", response.Headers.GetValues("Warden-Fallback").Single());
        string id = response.Headers.GetValues("x-request-id").Single();
        var settled = billing.Ledger.FindSettlement(id)!;
        Assert.Equal(served.Version, settled.PriceVersion);
        Assert.NotEqual(requested.Version, settled.PriceVersion);
        Assert.True(ChatResponseReader.TryRead(Encoding.UTF8.GetBytes(body), out var facts));
        Assert.Equal(PriceCalculator.Cost(served, facts.Usage!, 1_000_000).TotalMicros, settled.ChargedMicros);
        Assert.Equal(10_000_000 - settled.ChargedMicros, billing.Ledger.Balance(tenant.AccountId));
        Assert.Equal(1L, MeteredServer.CountRows(lab.Server.DataDirectory, $"SELECT COUNT(*) FROM settlements WHERE request_id = '{id}' AND model = 'sim-small'"));

        var claims = await FallbackTests.VerifiedClaimsAsync(lab.Server, response);
        Assert.Equal("sim-large", claims.RequestedModel);
        Assert.Equal("sim-small", claims.BilledModel);
        Assert.Equal(served.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), claims.PriceVersion);
        Assert.Equal("sim-small", claims.Fallback.ToModel);
        Assert.Equal(settled.ChargedMicros, claims.Cost!.AmountMicros);

        // The raised hold was taken and released in full: the ledger still proves consistent.
        Assert.Empty(billing.Check.Run());
    }

    [Fact]
    public async Task DearerFallback_TheBalanceCannotCover_Is402AndNothingIsServed()
    {
        await using var lab = await RoutingLab.StartAsync();
        var (billing, tenant, key) = Metered(lab, topUp: 1_000_000);
        billing.Prices.Set("sim-large", "USD", new PriceRates(1, 1, 1, 1, 1));

        // A million units per million tokens: the fallback's worst case is far beyond the balance of 1 unit.
        billing.Prices.Set("sim-small", "USD", new PriceRates(Money.MaxAmountMicros, Money.MaxAmountMicros, Money.MaxAmountMicros, Money.MaxAmountMicros, Money.MaxAmountMicros));

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(key, Body("sim-large")));
        string body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.PaymentRequired, body);
        Assert.Contains("insufficient_credit", body, StringComparison.Ordinal);
        Assert.DoesNotContain(lab.Simulator.Journal.Snapshot(), e => e.Model == "sim-small");
        Assert.Equal(1_000_000, billing.Ledger.Balance(tenant.AccountId));
        Assert.Empty(billing.Check.Run());
    }

    private static string Body(string model) =>
        $$"""{"model":"{{model}}","max_tokens":64,"messages":[{"role":"user","content":"Say hello to the fallback billing test."}]}""";

    /// <summary>A failing sim-large channel, a working sim-small one, and a metered key that declared sim-small as its fallback.</summary>
    private static (BillingServices Billing, Tenant Tenant, string Key) Metered(RoutingLab lab, long topUp)
    {
        lab.Add("large", "500", model: "sim-large");
        lab.Add("small", "", model: "sim-small");
        var data = lab.Server.App.Data;
        var tenant = data.Billing.Tenants.Add("acme", "USD").Tenant!;
        var issued = data.KeyIssuer.Issue("agent", KeyRole.Client, null, null);
        Assert.Null(data.Keys.SetFallback(issued.Key.Id, ["sim-small"]));
        Assert.Null(data.Billing.Tenants.AssignKey(issued.Key.Id, tenant.Id));
        Assert.Null(data.Billing.Ledger.TopUp(tenant, null, topUp, "admin:test").Problem);
        lab.Server.Reload();
        return (data.Billing, tenant, issued.Plaintext);
    }
}
