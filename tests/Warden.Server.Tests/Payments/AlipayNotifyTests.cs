using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Warden.Server.Tests.Payments;

/// <summary>
/// The Alipay-style RSA2 provider end to end: an order gives the signed parameters of a page payment, and asynchronous
/// notifications signed here with "Alipay's" private key (sorted name=value pairs without sign and sign_type,
/// SHA256withRSA, base64) credit the tenant once; forged, tampered, foreign-app and unknown ones answer "fail".
/// </summary>
public sealed class AlipayNotifyTests(PaymentServer fixture) : IClassFixture<PaymentServer>
{
    [Fact]
    public async Task CreatePayment_ReturnsPageParametersSignedWithTheAppKey()
    {
        var created = await CreateOrderAsync(12_340_000);
        var parameters = created.GetProperty("parameters").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
        string orderId = created.GetProperty("order").GetProperty("id").GetString()!;

        Assert.Equal("https://openapi.alipay.com/gateway.do", created.GetProperty("checkout_url").GetString());
        Assert.Equal(PaymentServer.AlipayAppId, parameters["app_id"]);
        Assert.Equal("alipay.trade.page.pay", parameters["method"]);
        Assert.Equal("RSA2", parameters["sign_type"]);
        using var biz = JsonDocument.Parse(parameters["biz_content"]);
        Assert.Equal(orderId, biz.RootElement.GetProperty("out_trade_no").GetString());
        Assert.Equal("12.34", biz.RootElement.GetProperty("total_amount").GetString());

        // A request signature covers every non-empty parameter but sign (sign_type included).
        string signed = string.Join('&', parameters.Where(p => p.Key != "sign" && p.Value.Length > 0).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));
        Assert.True(fixture.AppKey.VerifyData(Encoding.UTF8.GetBytes(signed), Convert.FromBase64String(parameters["sign"]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task GenuineNotification_CreditsOnce_AndReplaysCreditNothing()
    {
        string orderId = await OrderIdAsync(8_880_000);
        long before = fixture.Balance(fixture.CnyTenant);
        var notification = Notification(orderId, "2026120822001400000000000001", "8.88");

        Assert.Equal("success", await PostAsync(Signed(notification)));
        Assert.Equal(before + 8_880_000, fixture.Balance(fixture.CnyTenant));

        Assert.Equal("success", await PostAsync(Signed(notification)));
        notification["trade_status"] = "TRADE_FINISHED";
        notification["notify_id"] = "another-notify-id";
        Assert.Equal("success", await PostAsync(Signed(notification)));

        Assert.Equal(before + 8_880_000, fixture.Balance(fixture.CnyTenant));
        Assert.Empty(fixture.Billing.Check.Run());
    }

    [Fact]
    public async Task ForgedTamperedForeignAndUnknownNotifications_AnswerFailAndCreditNothing()
    {
        string orderId = await OrderIdAsync(1_000_000);
        long before = fixture.Balance(fixture.CnyTenant);
        using var stranger = RSA.Create(2048);

        var genuine = Notification(orderId, "2026120822001400000000000002", "1.00");
        var tampered = Signed(genuine);
        tampered["total_amount"] = "1000.00";
        var wrongAmount = Notification(orderId, "2026120822001400000000000003", "0.99");
        var foreignApp = Notification(orderId, "2026120822001400000000000004", "1.00");
        foreignApp["app_id"] = "2021000000009999";
        var unknown = Notification("pay_unknown", "2026120822001400000000000005", "1.00");
        var notRsa2 = Signed(genuine);
        notRsa2["sign_type"] = "RSA";
        var oddAmount = Notification(orderId, "2026120822001400000000000006", "1.000");

        List<(string Name, Dictionary<string, string> Form)> forged =
        [
            ("signed by another key", Signed(genuine, stranger)),
            ("amount tampered after signing", tampered),
            ("signed, amount differs from the order", Signed(wrongAmount)),
            ("signed, another app", Signed(foreignApp)),
            ("signed, unknown order", Signed(unknown)),
            ("sign_type not RSA2", notRsa2),
            ("signed, three decimals", Signed(oddAmount)),
            ("unsigned", genuine),
        ];
        foreach (var (name, form) in forged)
        {
            Assert.True(await PostAsync(form) == "fail", name);
        }

        Assert.Equal(before, fixture.Balance(fixture.CnyTenant));
        string logs = fixture.Server.Logs.All;
        Assert.Contains("app_id is not this app's", logs, StringComparison.Ordinal);
        Assert.Contains("amount or currency differs from the order", logs, StringComparison.Ordinal);

        // A genuine notification of a trade still waiting for payment is acknowledged and credits nothing.
        var waiting = Notification(orderId, "2026120822001400000000000002", "1.00");
        waiting["trade_status"] = "WAIT_BUYER_PAY";
        Assert.Equal("success", await PostAsync(Signed(waiting)));
        Assert.Equal(before, fixture.Balance(fixture.CnyTenant));

        Assert.Equal("success", await PostAsync(Signed(genuine)));
        Assert.Equal(before + 1_000_000, fixture.Balance(fixture.CnyTenant));
        Assert.Empty(fixture.Billing.Check.Run());
    }

    [Fact]
    public async Task ConcurrentDuplicateNotifications_CreditExactlyOnce()
    {
        string orderId = await OrderIdAsync(5_000_000);
        long before = fixture.Balance(fixture.CnyTenant);
        var form = Signed(Notification(orderId, "2026120822001400000000000007", "5.00"));

        string[] answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => PostAsync(form)));

        Assert.All(answers, a => Assert.Equal("success", a));
        Assert.Equal(before + 5_000_000, fixture.Balance(fixture.CnyTenant));
        Assert.Empty(fixture.Billing.Check.Run());
    }

    private async Task<JsonElement> CreateOrderAsync(long micros)
    {
        using var response = await fixture.AdminAsync(HttpMethod.Post, "admin/payments", $$"""{"tenant":"pay-cny","provider":"alipay","amount_micros":{{micros}}}""");
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<string> OrderIdAsync(long micros) => (await CreateOrderAsync(micros)).GetProperty("order").GetProperty("id").GetString()!;

    private static Dictionary<string, string> Notification(string orderId, string tradeNo, string totalAmount) => new(StringComparer.Ordinal)
    {
        ["notify_time"] = "2026-12-08 08:10:49",
        ["notify_type"] = "trade_status_sync",
        ["notify_id"] = "ac05099524730693a8b330c5ecf72da9786",
        ["app_id"] = PaymentServer.AlipayAppId,
        ["charset"] = "utf-8",
        ["version"] = "1.0",
        ["sign_type"] = "RSA2",
        ["trade_no"] = tradeNo,
        ["out_trade_no"] = orderId,
        ["total_amount"] = totalAmount,
        ["receipt_amount"] = totalAmount,
        ["subject"] = "Warden credit",
        ["trade_status"] = "TRADE_SUCCESS",
        ["gmt_payment"] = "2026-12-08 08:10:47",
        ["buyer_id"] = "2088102116773037",
        ["fund_bill_list"] = "",
    };

    // Written from Alipay's description of notification signing, independently of Warden's verifier.
    private Dictionary<string, string> Signed(Dictionary<string, string> notification, RSA? key = null)
    {
        string content = string.Join('&', notification
            .Where(p => p.Key is not ("sign" or "sign_type") && p.Value.Length > 0)
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value));
        var signed = new Dictionary<string, string>(notification, StringComparer.Ordinal)
        {
            ["sign"] = Convert.ToBase64String((key ?? fixture.AlipayKey).SignData(Encoding.UTF8.GetBytes(content), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)),
        };
        return signed;
    }

    private async Task<string> PostAsync(Dictionary<string, string> form)
    {
        using var response = await fixture.Server.Http.PostAsync("v1/payments/alipay/notify", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
