using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Warden.Server.Tests.Payments;

/// <summary>
/// Stripe Checkout end to end: an order creates a Checkout Session at a local Stripe, and notifications signed here the
/// way Stripe signs them (HMAC-SHA256 over "t.payload" with the endpoint secret, https://docs.stripe.com/webhooks)
/// credit the tenant once; replayed, forged, tampered, stale and unknown ones credit nothing.
/// </summary>
public sealed class StripeWebhookTests(PaymentServer fixture) : IClassFixture<PaymentServer>
{
    [Fact]
    public async Task CreatePayment_CreatesACheckoutSessionAtStripe()
    {
        var (orderId, sessionId, created) = await CreateOrderAsync(2_500_000);

        var recorded = fixture.Stripe.Created.Single(c => c.SessionId == sessionId);
        Assert.Equal("payment", recorded.Form["mode"]);
        Assert.Equal(orderId, recorded.Form["client_reference_id"]);
        Assert.Equal("250", recorded.Form["line_items[0][price_data][unit_amount]"]);
        Assert.Equal("usd", recorded.Form["line_items[0][price_data][currency]"]);
        Assert.Equal("Bearer " + PaymentServer.StripeApiKey, recorded.Authorization);
        Assert.Contains(orderId, recorded.IdempotencyKey, StringComparison.Ordinal);
        Assert.Equal("https://checkout.stripe.test/c/pay/" + sessionId, created.GetProperty("checkout_url").GetString());
        Assert.Equal("created", created.GetProperty("order").GetProperty("state").GetString());
        Assert.Equal(250, created.GetProperty("order").GetProperty("amount_minor").GetInt64());

        using var list = await fixture.AdminAsync(HttpMethod.Get, "admin/payments?tenant=" + fixture.UsdTenant.Id, null);
        Assert.Contains(orderId, await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"tenant":"pay-usd","provider":"stripe","amount_micros":2500001}""")]
    [InlineData("""{"tenant":"pay-usd","provider":"stripe","amount_micros":0}""")]
    [InlineData("""{"tenant":"pay-usd","provider":"stripe"}""")]
    [InlineData("""{"tenant":"pay-usd","provider":"paypal","amount_micros":1000000}""")]
    [InlineData("""{"tenant":"pay-cny","provider":"stripe","amount_micros":1000000}""")]
    [InlineData("""{"tenant":"nobody","provider":"stripe","amount_micros":1000000}""")]
    public async Task CreatePayment_BadInput_Is400AndCreatesNoSession(string json)
    {
        int before = fixture.Stripe.Created.Count;
        using var response = await fixture.AdminAsync(HttpMethod.Post, "admin/payments", json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"error\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, fixture.Stripe.Created.Count);
    }

    [Fact]
    public async Task GenuineNotification_CreditsOnce_AndAReplayCreditsNothing()
    {
        var (orderId, sessionId, _) = await CreateOrderAsync(3_000_000);
        long before = fixture.Balance(fixture.UsdTenant);
        string body = Event("evt_" + orderId, orderId, sessionId, 300);

        using (var first = await PostAsync(body, Header(body, Now)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        Assert.Equal(before + 3_000_000, fixture.Balance(fixture.UsdTenant));
        Assert.Equal("credited", OrderState(orderId));

        // The same delivery again (Stripe retries), freshly signed and verbatim: both acknowledged, neither credits.
        using (var replay = await PostAsync(body, Header(body, Now)))
        {
            Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        }

        using (var verbatim = await PostAsync(body, Header(body, Now)))
        {
            Assert.Equal(HttpStatusCode.OK, verbatim.StatusCode);
        }

        // A second event of the same session (another id) credits nothing either.
        string other = Event("evt_other_" + orderId, orderId, sessionId, 300, type: "checkout.session.async_payment_succeeded");
        using (var again = await PostAsync(other, Header(other, Now)))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        Assert.Equal(before + 3_000_000, fixture.Balance(fixture.UsdTenant));
        Assert.Equal(2, LedgerLines(orderId));
        Assert.Empty(fixture.Billing.Check.Run());
        Assert.Contains("already processed", fixture.Server.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForgedTamperedStaleAndUnknownNotifications_CreditNothing()
    {
        var (orderId, sessionId, _) = await CreateOrderAsync(1_000_000);
        long before = fixture.Balance(fixture.UsdTenant);
        string genuine = Event("evt_f_" + orderId, orderId, sessionId, 100);
        long now = Now;

        List<(string Name, string Body, string? Header)> forged =
        [
            ("no header", genuine, null),
            ("wrong secret", genuine, Header(genuine, now, secret: "whsec_someone_else")),
            ("body tampered after signing", genuine.Replace("\"amount_total\":100", "\"amount_total\":100000", StringComparison.Ordinal), Header(genuine, now)),
            ("stale timestamp", genuine, Header(genuine, now - 301)),
            ("future timestamp", genuine, Header(genuine, now + 301)),
            ("v0 scheme only", genuine, $"t={now},v0={Hex(genuine, now, PaymentServer.StripeSecret)}"),
            ("signed, amount differs from the order", Event("evt_a_" + orderId, orderId, sessionId, 99_900), null),
            ("signed, currency differs from the order", Event("evt_c_" + orderId, orderId, sessionId, 100, currency: "eur"), null),
            ("signed, unknown order", Event("evt_u_" + orderId, "pay_unknown", sessionId, 100), null),
            ("signed, another session", Event("evt_s_" + orderId, orderId, "cs_test_other", 100), null),
        ];

        foreach (var (name, body, header) in forged)
        {
            using var response = await PostAsync(body, header ?? (name.StartsWith("signed", StringComparison.Ordinal) ? Header(body, now) : null));
            Assert.True(HttpStatusCode.BadRequest == response.StatusCode, name + ": " + (int)response.StatusCode);
            Assert.Contains("invalid_notification", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(before, fixture.Balance(fixture.UsdTenant));
        Assert.Equal("created", OrderState(orderId));
        Assert.Equal(0, LedgerLines(orderId));
        string logs = fixture.Server.Logs.All;
        Assert.Contains("timestamp outside the tolerance", logs, StringComparison.Ordinal);
        Assert.Contains("signature does not match", logs, StringComparison.Ordinal);
        Assert.Contains("unknown order", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(PaymentServer.StripeSecret, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(PaymentServer.StripeApiKey, logs, StringComparison.Ordinal);

        // Still creditable by the genuine notification, at the edge of the tolerance.
        using (var genuineResponse = await PostAsync(genuine, Header(genuine, now - 300)))
        {
            Assert.Equal(HttpStatusCode.OK, genuineResponse.StatusCode);
        }

        Assert.Equal(before + 1_000_000, fixture.Balance(fixture.UsdTenant));
        Assert.Empty(fixture.Billing.Check.Run());
    }

    [Fact]
    public async Task SeveralV1Signatures_OneMatching_IsGenuine()
    {
        var (orderId, sessionId, _) = await CreateOrderAsync(500_000);
        long before = fixture.Balance(fixture.UsdTenant);
        string body = Event("evt_r_" + orderId, orderId, sessionId, 50);
        string header = $"t={Now},v1={Hex(body, Now, "whsec_old_secret")},v1={Hex(body, Now, PaymentServer.StripeSecret)}";

        using var response = await PostAsync(body, header);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(before + 500_000, fixture.Balance(fixture.UsdTenant));
    }

    [Fact]
    public async Task UnpaidSessionAndOtherEvents_AreAcknowledgedButCreditNothing()
    {
        var (orderId, sessionId, _) = await CreateOrderAsync(700_000);
        long before = fixture.Balance(fixture.UsdTenant);
        foreach (string body in (string[])[
            Event("evt_unpaid_" + orderId, orderId, sessionId, 70, paymentStatus: "unpaid"),
            Event("evt_expired_" + orderId, orderId, sessionId, 70, type: "checkout.session.expired")])
        {
            using var response = await PostAsync(body, Header(body, Now));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(before, fixture.Balance(fixture.UsdTenant));
        Assert.Equal("created", OrderState(orderId));
    }

    [Fact]
    public async Task ConcurrentDuplicateDeliveries_CreditExactlyOnce()
    {
        var (orderId, sessionId, _) = await CreateOrderAsync(4_000_000);
        long before = fixture.Balance(fixture.UsdTenant);
        string body = Event("evt_c_" + orderId, orderId, sessionId, 400);
        string header = Header(body, Now);

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => PostAsync(body, header)));
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        Assert.Equal(before + 4_000_000, fixture.Balance(fixture.UsdTenant));
        Assert.Equal(2, LedgerLines(orderId));
        Assert.Empty(fixture.Billing.Check.Run());
    }

    [Fact]
    public async Task StripeRefusingTheSession_Is502AndTheOrderFails()
    {
        fixture.Stripe.FailWith = 402;
        try
        {
            using var response = await fixture.AdminAsync(HttpMethod.Post, "admin/payments", """{"tenant":"pay-usd","provider":"stripe","amount_micros":1000000}""");
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Contains("checkout_failed", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            fixture.Stripe.FailWith = null;
        }

        Assert.Contains(fixture.Server.App.Services.GetRequiredService<Warden.Server.Payments.PaymentService>().Orders.List(fixture.UsdTenant.Id, 100),
            o => o.State == "failed");
    }

    private long Now => fixture.Clock.Now.ToUnixTimeSeconds();

    private async Task<(string OrderId, string SessionId, JsonElement Created)> CreateOrderAsync(long micros)
    {
        using var response = await fixture.AdminAsync(HttpMethod.Post, "admin/payments", $$"""{"tenant":"pay-usd","provider":"stripe","amount_micros":{{micros}}}""");
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var created = JsonDocument.Parse(text).RootElement.Clone();
        var order = created.GetProperty("order");
        return (order.GetProperty("id").GetString()!, order.GetProperty("provider_reference").GetString()!, created);
    }

    private static string Event(string eventId, string orderId, string sessionId, long amountTotal, string type = "checkout.session.completed", string paymentStatus = "paid", string currency = "usd") =>
        $$"""
        {
          "id": "{{eventId}}",
          "object": "event",
          "api_version": "2025-09-30.clover",
          "type": "{{type}}",
          "data": {
            "object": {
              "id": "{{sessionId}}",
              "object": "checkout.session",
              "client_reference_id": "{{orderId}}",
              "amount_total":{{amountTotal}},
              "currency": "{{currency}}",
              "mode": "payment",
              "payment_status": "{{paymentStatus}}",
              "status": "complete"
            }
          }
        }
        """;

    // Written from Stripe's description of the scheme, independently of Warden's verifier.
    private static string Hex(string body, long t, string secret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t.ToString(CultureInfo.InvariantCulture) + "." + body)));

    private static string Header(string body, long t, string secret = PaymentServer.StripeSecret) => $"t={t},v1={Hex(body, t, secret)}";

    private Task<HttpResponseMessage> PostAsync(string body, string? header)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/payments/stripe/webhook")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation("Stripe-Signature", header);
        }

        return fixture.Server.Http.SendAsync(request);
    }

    private string OrderState(string orderId) => fixture.Server.App.Services.GetRequiredService<Warden.Server.Payments.PaymentService>().Orders.Find(orderId)!.State;

    private long LedgerLines(string orderId)
    {
        using var connection = new SqliteConnection($"Data Source={fixture.Server.App.Data.Database.Path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM ledger_entries WHERE reference = $r";
        command.Parameters.AddWithValue("$r", "payment:stripe:" + orderId);
        return (long)command.ExecuteScalar()!;
    }
}
