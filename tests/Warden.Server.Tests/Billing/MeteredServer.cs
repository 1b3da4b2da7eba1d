using System.Net.Http.Headers;
using System.Text;
using Microsoft.Data.Sqlite;
using Warden.Server.Billing;
using Warden.Server.Hosting;
using Warden.Server.Keys;
using Warden.Server.Simulator;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Billing;

/// <summary>
/// A real Warden over HTTP with its own simulator as the (OpenAI Chat) upstream, a metered tenant "acme" in USD and
/// a client key of that tenant: the billing path exactly as a client meets it.
/// </summary>
internal sealed class MeteredServer : IAsyncDisposable
{
    public static readonly string[] Models = ["sim-small", "sim-large", "sim-reasoner", "sim-small~pace-500"];

    private MeteredServer(SimulatorHost simulator, WardenTestServer server, Tenant tenant, string key, ClientKey clientKey)
    {
        Simulator = simulator;
        Server = server;
        Tenant = tenant;
        Key = key;
        ClientKey = clientKey;
    }

    public SimulatorHost Simulator { get; }

    public WardenTestServer Server { get; }

    public BillingServices Billing => Server.App.Data.Billing;

    public Tenant Tenant { get; }

    /// <summary>The metered client key (plaintext), as a client sends it.</summary>
    public string Key { get; }

    public ClientKey ClientKey { get; }

    public static async Task<MeteredServer> StartAsync(long multiplierPpm = 1_000_000)
    {
        var simulator = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0 }, CancellationToken.None);
        // No built-in catalog: these tests price every model themselves, starting from unpriced.
        var server = await WardenTestServer.StartAsync(o => o with { EnableSimulator = false, LoadPriceCatalog = false });
        server.AddChannel("simulator", "sim-chat", simulator.BaseUrl, null, 10, Models);
        var data = server.App.Data;
        var tenant = data.Billing.Tenants.Add("acme", "USD", multiplierPpm).Tenant!;
        var issued = data.KeyIssuer.Issue("acme-key", KeyRole.Client, null, null);
        Assert.Null(data.Billing.Tenants.AssignKey(issued.Key.Id, tenant.Id));
        server.Reload();
        return new MeteredServer(simulator, server, tenant, issued.Plaintext, issued.Key);
    }

    public PriceVersion SetPrice(string model, PriceRates rates) => Billing.Prices.Set(model, "USD", rates).Price!;

    public void TopUp(long micros) => Assert.Null(Billing.Ledger.TopUp(Tenant, null, micros, "admin:test").Problem);

    public long Balance => Billing.Ledger.Balance(Tenant.AccountId)!.Value;

    public static string ChatBody(string model, int maxTokens, bool stream = false) =>
        $"{{\"model\":\"{model}\",\"max_tokens\":{maxTokens},\"stream\":{(stream ? "true" : "false")}" +
        (stream ? ",\"stream_options\":{\"include_usage\":true}" : "") +
        ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello to the billing test.\"}]}";

    public static HttpRequestMessage Chat(string key, string body) => Requests.Chat(key, body);

    public static HttpRequestMessage Messages(string key, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    public long SettlementCount() => CountRows(Server.DataDirectory, "SELECT COUNT(*) FROM settlements");

    public static long CountRows(string dataDirectory, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, DataFolder.DatabaseFileName)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Polls (bounded, never a timed assertion) until the request's settlement is committed.</summary>
    public async Task<SettlementResult> SettlementOfAsync(string requestId)
    {
        for (int attempt = 0; attempt < 400; attempt++)
        {
            if (Billing.Ledger.FindSettlement(requestId) is { } settled)
            {
                return settled;
            }

            await Task.Delay(25);
        }

        Assert.Fail($"Request {requestId} was never settled.");
        return null!;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Simulator.DisposeAsync();
    }
}
