using Warden.Server.Audit;
using Warden.Server.Audit.Checks;
using Warden.Server.Audit.Clients;
using Warden.Server.Simulator;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Audit.Checks;

/// <summary>
/// The "Warden targets" check against a real Warden in front of the simulator, over the audit's own protocol clients: an
/// honest Warden passes in every protocol, and a changed body, a tampered receipt, an unexpected upstream host or a stale
/// checkpoint fails it; the bare simulator (no receipts) is skipped.
/// </summary>
public sealed class ReceiptsCheckTests(WardenFixture fixture) : IClassFixture<WardenFixture>, IDisposable
{
    private const int Budget = 6;
    private readonly AuditHttp _http = new(TimeSpan.FromSeconds(60), TimeProvider.System);

    public static TheoryData<string> Protocols() => ["openai", "responses", "anthropic", "gemini"];

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task HonestWarden_EveryReceiptVerifies_Passes(string protocol)
    {
        var target = Target(protocol);

        var result = await RunAsync(target, new AuditSettings { ExpectUpstreamHosts = ["127.0.0.1"] });

        Assert.True(result.Verdict == AuditVerdict.Pass, result.Summary + "\n" + string.Join("\n", result.Findings));
        Assert.Empty(result.Findings);
        Assert.Equal(Budget, result.Requests);
        Assert.Equal(1.0, result.Effect);
        var chart = Assert.Single(result.Charts);
        var verified = chart.Series.Single(s => s.Name == "verified").Points;
        Assert.Equal(Budget, verified.Single(p => p.Label == "response hash").Y);
        Assert.Equal(Budget, verified.Single(p => p.Label == "log inclusion").Y);
        Assert.Equal(Budget, verified.Single(p => p.Label == "upstream host").Y);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChangedBody_FailsTheResponseHash(bool streamed)
    {
        // One byte of one answer changed after Warden signed it (the first answer is complete, the second streamed).
        int changed = streamed ? 2 : 1;
        var target = new AlteredTarget(Target("openai"), reply: (number, reply) =>
        {
            if (number != changed)
            {
                return reply;
            }

            byte[] body = reply.Body.ToArray();
            body[body.Length / 3] ^= 0x20;
            return reply with { Body = body };
        });

        var result = await RunAsync(target, new AuditSettings());

        Assert.Equal(AuditVerdict.Fail, result.Verdict);
        string finding = Assert.Single(result.Findings);
        Assert.StartsWith($"answer {changed} ", finding, StringComparison.Ordinal);
        Assert.Contains("response_hash failed", finding, StringComparison.Ordinal);
        Assert.True(result.Effect < 1.0);
    }

    [Fact]
    public async Task TamperedReceiptSignature_Fails()
    {
        var target = new AlteredTarget(Target("openai"), reply: (number, reply) =>
        {
            if (number != 1 || !reply.Headers.TryGetValue("warden-receipt", out string? jws))
            {
                return reply;
            }

            // The signature's first character changed: a receipt the server's key did not sign.
            int dot = jws.LastIndexOf('.') + 1;
            string forged = jws[..dot] + (jws[dot] == 'A' ? 'B' : 'A') + jws[(dot + 1)..];
            return reply with { Headers = new Dictionary<string, string>(reply.Headers) { ["warden-receipt"] = forged } };
        });

        var result = await RunAsync(target, new AuditSettings());

        Assert.Equal(AuditVerdict.Fail, result.Verdict);
        Assert.Contains(result.Findings, f => f.StartsWith("answer 1 ", StringComparison.Ordinal) && f.Contains("signature failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UpstreamHostNotExpected_Fails()
    {
        var result = await RunAsync(Target("anthropic"), new AuditSettings { ExpectUpstreamHosts = ["api.anthropic.com"] });

        Assert.Equal(AuditVerdict.Fail, result.Verdict);
        Assert.Equal(Budget, result.Findings.Count);
        Assert.All(result.Findings, f => Assert.Contains("upstream 127.0.0.1, not one of the expected hosts api.anthropic.com", f, StringComparison.Ordinal));
    }

    [Fact]
    public async Task StaleEndCheckpoint_FailsLogInclusion()
    {
        // A view of the log that never moves past the first checkpoint: the run's receipts cannot be in it.
        string? first = null;
        var target = new AlteredTarget(Target("openai"), get: (path, answer) =>
        {
            if (!path.StartsWith("v1/transparency/checkpoint", StringComparison.Ordinal))
            {
                return answer;
            }

            first ??= answer.Body;
            return (answer.Status, first);
        });

        var result = await RunAsync(target, new AuditSettings());

        Assert.Equal(AuditVerdict.Fail, result.Verdict);
        Assert.Equal(Budget, result.Findings.Count(f => f.Contains("log entry", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TargetWithoutReceipts_IsSkipped()
    {
        await using var simulator = await SimulatorHost.StartAsync(new SimulatorOptions { Port = 0 }, CancellationToken.None);
        var target = AuditTargets.Create(AuditProtocol.OpenAIChat, "target", simulator.BaseUrl, "sim-small", "unused", _http);

        var result = await RunAsync(target, new AuditSettings());

        Assert.Equal(AuditVerdict.Skipped, result.Verdict);
        Assert.Empty(result.Findings);
        Assert.Contains("serves no Warden receipts", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BudgetBelowTwoRequests_IsInconclusive_AndSendsNothing()
    {
        var target = Target("openai");

        var result = await RunAsync(target, new AuditSettings(), budget: 1);

        Assert.Equal(AuditVerdict.Inconclusive, result.Verdict);
        Assert.Equal(0, target.RequestsSent);
    }

    public void Dispose() => _http.Dispose();

    private IAuditTarget Target(string protocol)
    {
        Assert.True(AuditTargets.TryParse(protocol, out var parsed));
        var baseUrl = new Uri(fixture.Server.Url, parsed == AuditProtocol.Gemini ? "v1beta/" : "v1/");
        return AuditTargets.Create(parsed, "target", baseUrl, "sim-small", fixture.Server.DemoKey, _http);
    }

    private static Task<AuditCheckResult> RunAsync(IAuditTarget target, AuditSettings settings, int budget = Budget) =>
        new ReceiptsCheck().RunAsync(new AuditContext { Target = target, Settings = settings, RequestBudget = budget, Random = new Random(7) }, CancellationToken.None);

    /// <summary>A target whose answers or GETs are changed on the way back, as a dishonest relay or a tampered copy would.</summary>
    private sealed class AlteredTarget(
        IAuditTarget inner, Func<int, AuditReply, AuditReply>? reply = null, Func<string, (int Status, string Body), (int Status, string Body)>? get = null) : IAuditTarget
    {
        private int _sent;

        public string Label => inner.Label;

        public Uri BaseUrl => inner.BaseUrl;

        public string Model => inner.Model;

        public AuditProtocol Protocol => inner.Protocol;

        public int RequestsSent => inner.RequestsSent;

        public long TokensSpent => inner.TokensSpent;

        public async Task<AuditReply> SendAsync(AuditPrompt prompt, CancellationToken cancellationToken)
        {
            var answer = await inner.SendAsync(prompt, cancellationToken);
            return reply is null ? answer : reply(Interlocked.Increment(ref _sent), answer);
        }

        public Task<AuditModelInfo?> DescribeModelAsync(CancellationToken cancellationToken) => inner.DescribeModelAsync(cancellationToken);

        public async Task<(int Status, string Body)> GetAsync(string pathAndQuery, CancellationToken cancellationToken)
        {
            var answer = await inner.GetAsync(pathAndQuery, cancellationToken);
            return get is null ? answer : get(pathAndQuery, answer);
        }
    }
}
