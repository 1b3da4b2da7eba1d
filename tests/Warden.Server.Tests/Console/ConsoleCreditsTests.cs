using System.Net;
using Warden.Server.Tests.Payments;

namespace Warden.Server.Tests.Console;

/// <summary>
/// The operator's credits page over HTTP against a real Warden with payments configured: balances, top-up and
/// adjustment, a payment link (a Checkout Session at the local Stripe), a code batch downloaded once as CSV, the ledger
/// check, both languages, and a form without its antiforgery field changing nothing.
/// </summary>
public sealed class ConsoleCreditsTests(PaymentServer fixture) : IClassFixture<PaymentServer>
{
    [Fact]
    public async Task CreditsPage_TopsUpAdjustsCreatesAPaymentLinkAndCodes_AndChecksTheLedger()
    {
        using var http = new ConsoleHttp(fixture.Server.Url);
        using (var signIn = await http.SignInAsync(fixture.Server.AdminKey))
        {
            Assert.True(signIn.IsSuccessStatusCode || signIn.StatusCode == HttpStatusCode.Redirect, signIn.StatusCode.ToString());
        }

        string page = await http.PageAsync("console/credits");
        Assert.Contains("pay-usd", page, StringComparison.Ordinal);
        long before = fixture.Balance(fixture.UsdTenant);

        using (var refused = await http.PostAsync("console/credits?handler=TopUp", null, ("tenant", fixture.UsdTenant.Id), ("amount", "2.5")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        Assert.Equal(before, fixture.Balance(fixture.UsdTenant));

        using (var topUp = await http.PostAsync("console/credits?handler=TopUp", page, ("tenant", fixture.UsdTenant.Id), ("amount", "2.5")))
        {
            Assert.Equal(HttpStatusCode.OK, topUp.StatusCode);
        }

        using (var adjust = await http.PostAsync("console/credits?handler=Adjust", page, ("tenant", fixture.UsdTenant.Id), ("amount", "-1")))
        {
            Assert.Equal(HttpStatusCode.OK, adjust.StatusCode);
        }

        Assert.Equal(before + 1_500_000, fixture.Balance(fixture.UsdTenant));

        using (var bad = await http.PostAsync("console/credits?handler=TopUp", page, ("tenant", fixture.UsdTenant.Id), ("amount", "lots")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        int sessions = fixture.Stripe.Created.Count;
        using (var payment = await http.PostAsync("console/credits?handler=Payment", page, ("tenant", fixture.UsdTenant.Id), ("provider", "stripe"), ("amount", "3")))
        {
            Assert.Equal(HttpStatusCode.OK, payment.StatusCode);
            Assert.Contains("https://checkout.stripe.test/c/pay/", await payment.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(sessions + 1, fixture.Stripe.Created.Count);
        Assert.Contains(fixture.Stripe.Created, c => c.Form["line_items[0][price_data][unit_amount]"] == "300");

        string csv;
        using (var codes = await http.PostAsync("console/credits?handler=Codes", page, ("count", "2"), ("amount", "0.5"), ("currency", "USD")))
        {
            Assert.Equal(HttpStatusCode.OK, codes.StatusCode);
            Assert.Equal("text/csv", codes.Content.Headers.ContentType!.MediaType);
            csv = await codes.Content.ReadAsStringAsync();
        }

        var codeLines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Assert.Equal(2, codeLines.Count);
        string code = codeLines[0].Split(',')[1];
        Assert.StartsWith("wdn_code_", code, StringComparison.Ordinal);
        Assert.DoesNotContain(code, await http.PageAsync("console/credits"), StringComparison.Ordinal);
        Assert.Null(fixture.Billing.Codes.Redeem(code, fixture.UsdTenant).Problem);

        using (var check = await http.PostAsync("console/credits?handler=Check", page))
        {
            Assert.Equal(HttpStatusCode.OK, check.StatusCode);
            Assert.Contains("Ledger OK", await check.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Razor writes non-ASCII text as character references.
        string chinese = WebUtility.HtmlDecode(await http.PageAsync("console/credits?lang=zh-Hans"));
        Assert.Contains("租户余额", chinese, StringComparison.Ordinal);
        Assert.DoesNotContain("Tenant balances", chinese, StringComparison.Ordinal);
    }
}
