#pragma warning disable RS0030 // The client reads the raw stream with the server's own HttpClient, as a hostile client would.

using System.Net;
using System.Text;
using Warden.Server.Billing;
using Warden.Server.Keys;
using Warden.Server.Tests.Simulator;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Billing;

/// <summary>
/// Regression of issue 18 (money: a client can avoid paying for output): a client that disconnected right after the
/// finish event, before the usage chunk that follows it, made Warden cancel the upstream and bill only the input
/// estimate. Now a finished upstream is read on for its usage (the usage grace) and the reported output is billed.
/// The simulator holds the usage chunk back (usagedelay-N) on a manual clock, released only once Warden has logged
/// the disconnect, so the usage can only arrive after the client has gone.
/// </summary>
public sealed class DisconnectAfterFinishTests
{
    private const string Model = "sim-small~usagedelay-1000";
    private static readonly PriceRates Rates = new(3_000_000, 15_000_000, 300_000, 3_750_000, 10_000_000);

    [Fact]
    public async Task ChatPassThrough_ClientGoneAfterFinishReason_IsBilledTheReportedOutput()
    {
        await using var setup = await Setup.StartAsync();
        string body = $$"""{"model":"{{Model}}","max_tokens":64,"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Say hello to the billing test."}]}""";
        var request = Requests.Chat(setup.Key, body);

        string id = await setup.ReadUntilThenLeaveAsync(request, line => line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains("\"finish_reason\":\"", StringComparison.Ordinal));

        await setup.AssertBilledAsReportedAsync(id);
    }

    [Fact]
    public async Task AnthropicClientOnAChatUpstream_ClientGoneAfterTheLastBlock_IsBilledTheReportedOutput()
    {
        await using var setup = await Setup.StartAsync();
        string body = $$"""{"model":"{{Model}}","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Say hello to the billing test."}]}""";
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-api-key", setup.Key);
        request.Headers.Add("anthropic-version", "2023-06-01");

        // The translated stream closes its last block when the upstream's finish_reason chunk arrives: the answer is
        // complete for the client, and the Chat upstream's usage is still to come.
        string id = await setup.ReadUntilThenLeaveAsync(request, line => line == "event: content_block_stop");

        await setup.AssertBilledAsReportedAsync(id);
    }

    private sealed class Setup : IAsyncDisposable
    {
        private Setup(ManualClockSimulator simulator, WardenTestServer server, Tenant tenant, string key)
        {
            Simulator = simulator;
            Server = server;
            Tenant = tenant;
            Key = key;
        }

        public ManualClockSimulator Simulator { get; }

        public WardenTestServer Server { get; }

        public Tenant Tenant { get; }

        public string Key { get; }

        private BillingServices Billing => Server.App.Data.Billing;

        public static async Task<Setup> StartAsync()
        {
            var simulator = await ManualClockSimulator.StartAsync();

            // A grace far longer than the test: the usage arrives when the test releases it, never by a race.
            var server = await WardenTestServer.StartAsync(o => o with { EnableSimulator = false, UsageGrace = TimeSpan.FromMinutes(5) });
            server.AddChannel("simulator", "sim-chat", simulator.Host.BaseUrl, null, 10, Model);
            var data = server.App.Data;
            var tenant = data.Billing.Tenants.Add("acme", "USD").Tenant!;
            var issued = data.KeyIssuer.Issue("acme-key", KeyRole.Client, null, null);
            Assert.Null(data.Billing.Tenants.AssignKey(issued.Key.Id, tenant.Id));
            Assert.NotNull(data.Billing.Prices.Set(Model, "USD", Rates).Price);
            Assert.Null(data.Billing.Ledger.TopUp(tenant, null, 10_000_000, "admin:test").Problem);
            server.Reload();
            return new Setup(simulator, server, tenant, issued.Plaintext);
        }

        /// <summary>Reads the stream line by line up to the first line <paramref name="until"/> accepts, then disconnects.</summary>
        public async Task<string> ReadUntilThenLeaveAsync(HttpRequestMessage request, Func<string, bool> until)
        {
            string id;
            using (request)
            using (var response = await Server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                id = Assert.Single(response.Headers.GetValues("x-request-id"));
                await using var stream = await response.Content.ReadAsStreamAsync();
                using var reader = new StreamReader(stream);
                bool seen = false;
                while (!seen && await reader.ReadLineAsync() is { } line)
                {
                    seen = until(line);
                }

                Assert.True(seen, "The stream ended before the finish.");
            }

            // Released only once Warden saw the client go and the simulator is holding the usage back: the usage can
            // reach Warden only after the disconnect.
            await EventuallyAsync(() => Server.Logs.All.Contains(id, StringComparison.Ordinal) && Simulator.Clock.PendingTimers.Count > 0
                && DisconnectLogged(id), "Warden logs the disconnect while the simulator holds the usage");
            Simulator.Clock.Advance(TimeSpan.FromSeconds(1));
            return id;
        }

        public async Task AssertBilledAsReportedAsync(string id)
        {
            var settled = await SettlementOfAsync(id);
            var sent = (await EventuallyAsync(() => Simulator.Host.Journal.Snapshot() is [{ Usage: not null }], "the simulator sends its usage")
                ? Simulator.Host.Journal.Snapshot()[0].Usage : null)!;
            Assert.True(settled.UsageSource == "reported", Server.Logs.All);
            Assert.True(sent.CompletionTokens > 0);
            long expected = PriceCalculator.Cost(Billing.Prices.Current(Model, "USD")!,
                new Core.Chat.Usage(sent.PromptTokens, sent.CompletionTokens, sent.CachedTokens, null, sent.ReasoningTokens, Core.Chat.UsageSource.Reported),
                1_000_000).TotalMicros;
            Assert.Equal(expected, settled.ChargedMicros);
            Assert.Equal(10_000_000 - expected, Billing.Ledger.Balance(Tenant.AccountId));
            Assert.Empty(Billing.Check.Run());

            // The record is committed as completed before the held end goes out; finding the client gone while sending
            // it, the request's last step rewrites it. That step may still be running when the settlement is visible.
            UsageRow row = await Server.UsageForAsync(id);
            for (int attempt = 0; attempt < 500 && row.Outcome != "client_cancelled"; attempt++)
            {
                await Task.Delay(20);
                row = await Server.UsageForAsync(id);
            }

            Assert.Equal("client_cancelled", row.Outcome);
        }

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            await Simulator.DisposeAsync();
        }

        private bool DisconnectLogged(string id) =>
            Server.Logs.Lines.Any(l => l.Contains(id, StringComparison.Ordinal) && l.Contains("disconnect", StringComparison.OrdinalIgnoreCase));

        private async Task<SettlementResult> SettlementOfAsync(string requestId)
        {
            SettlementResult? settled = null;
            await EventuallyAsync(() => (settled = Billing.Ledger.FindSettlement(requestId)) is not null, $"request {requestId} is settled");
            return settled!;
        }

        /// <summary>A hang guard (at most ~10 s), never an assertion on speed.</summary>
        private static async Task<bool> EventuallyAsync(Func<bool> condition, string what)
        {
            for (int attempt = 0; attempt < 1_000; attempt++)
            {
                if (condition())
                {
                    return true;
                }

                await Task.Delay(10);
            }

            Assert.Fail($"Never happened: {what}.");
            return false;
        }
    }
}
