using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Billing;

/// <summary>The billing routes of the admin API on a running server.</summary>
public sealed class BillingAdminApiTests(WardenFixture fixture) : IClassFixture<WardenFixture>
{
    private WardenTestServer Server => fixture.Server;

    [Fact]
    public async Task TenantsPricesCreditsCodesLedgerAndUsage_ThroughTheAdminApi()
    {
        using (var anonymous = await Server.Http.GetAsync("admin/tenants"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        var tenant = await JsonAsync(HttpMethod.Post, "admin/tenants", """{"name":"api-tenant","currency":"usd","multiplier_ppm":1100000}""", HttpStatusCode.Created);
        string tenantId = tenant.GetProperty("id").GetString()!;
        Assert.Equal("USD", tenant.GetProperty("currency").GetString());

        var price = await JsonAsync(HttpMethod.Post, "admin/prices", """{"model":"sim-small","input_per_million":1000000,"output_per_million":2000000}""", HttpStatusCode.Created);
        Assert.Equal(2_000_000, price.GetProperty("reasoning_per_million").GetInt64());
        Assert.Contains("sim-small", (await JsonAsync(HttpMethod.Get, "admin/prices", null, HttpStatusCode.OK)).GetRawText(), StringComparison.Ordinal);

        var balance = await JsonAsync(HttpMethod.Post, "admin/credits/topup", $$"""{"tenant":"{{tenantId}}","amount_micros":3000000}""", HttpStatusCode.OK);
        Assert.Equal(3_000_000, balance.GetProperty("balance_micros").GetInt64());
        await JsonAsync(HttpMethod.Post, "admin/credits/topup", """{"tenant":"nobody","amount_micros":1}""", HttpStatusCode.NotFound);

        var batch = await JsonAsync(HttpMethod.Post, "admin/codes", """{"count":1,"amount_micros":500000}""", HttpStatusCode.Created);
        string code = batch.GetProperty("codes")[0].GetString()!;
        balance = await JsonAsync(HttpMethod.Post, "admin/credits/redeem", $$"""{"tenant":"api-tenant","code":"{{code}}"}""", HttpStatusCode.OK);
        Assert.Equal(3_500_000, balance.GetProperty("balance_micros").GetInt64());
        await JsonAsync(HttpMethod.Post, "admin/credits/redeem", $$"""{"tenant":"api-tenant","code":"{{code}}"}""", HttpStatusCode.BadRequest);

        var check = await JsonAsync(HttpMethod.Get, "admin/ledger/check", null, HttpStatusCode.OK);
        Assert.True(check.GetProperty("ok").GetBoolean());

        using var csv = await SendAsync(HttpMethod.Get, "admin/billing/usage?by=day&format=csv", null);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("group,currency,requests", await csv.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await JsonAsync(HttpMethod.Get, "admin/billing/usage?by=planet", null, HttpStatusCode.BadRequest);
    }

    private async Task<JsonElement> JsonAsync(HttpMethod method, string path, string? json, HttpStatusCode expected)
    {
        using var response = await SendAsync(method, path, json);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{method} {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Server.AdminKey);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        return Server.Http.SendAsync(request);
    }
}
