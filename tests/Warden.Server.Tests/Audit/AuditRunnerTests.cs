using Warden.Server.Audit;
using Warden.Server.Audit.Clients;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Audit;

/// <summary>The runner with checks of its own making (the real checks are tested where they live) over a real simulator.</summary>
public sealed class AuditRunnerTests : IAsyncLifetime, IDisposable
{
    private SimulatorHost _simulator = null!;
    private readonly AuditHttp _http = new(TimeSpan.FromSeconds(30), TimeProvider.System);

    public async Task InitializeAsync() => _simulator = await SimulatorHost.StartAsync(new SimulatorOptions(), CancellationToken.None);

    public async Task DisposeAsync() => await _simulator.DisposeAsync();

    public void Dispose() => _http.Dispose();

    [Theory]
    [InlineData(600, new[] { 200, 100, 100 })]
    [InlineData(7, new[] { 1, 1, 1 })]
    [InlineData(100, new[] { 3, 0, 5 })]
    public void Share_ProportionalShares_AddUpToTheBudget(int total, int[] weights)
    {
        var shares = AuditRunner.Share(total, weights);

        Assert.Equal(total, shares.Sum());
        for (int i = 0; i < weights.Length; i++)
        {
            double exact = (double)total * weights[i] / weights.Sum();
            Assert.InRange(shares[i], Math.Floor(exact), Math.Ceiling(exact));
        }
    }

    [Fact]
    public async Task RunAsync_SelectedChecks_RunInIdOrderWithTheirShareAndSeed()
    {
        var usage = new SendingCheck(AuditCheckIds.Usage, 100, requests: 3);
        var substitution = new SendingCheck(AuditCheckIds.Substitution, 300, requests: 2);
        var tools = new SendingCheck(AuditCheckIds.Tools, 100, requests: 1);
        var runner = new AuditRunner([usage, tools, substitution], TimeProvider.System);
        var progress = new RecordingProgress();

        var report = await runner.RunAsync(Target(), null, new AuditSettings { MaxRequests = 50, Seed = 7 },
            [AuditCheckIds.Tools, AuditCheckIds.Substitution, AuditCheckIds.Usage, AuditCheckIds.Receipts], progress, CancellationToken.None);

        Assert.Equal([AuditCheckIds.Substitution, AuditCheckIds.Usage, AuditCheckIds.Tools, AuditCheckIds.Receipts], report.Checks.Select(c => c.Id));
        Assert.Equal([30, 10, 10], new[] { substitution.Budget, usage.Budget, tools.Budget });
        Assert.Equal([2, 3, 1], report.Checks.Take(3).Select(c => c.Requests));
        Assert.All(report.Checks.Take(3), c => Assert.True(c.Tokens > 0));
        Assert.Equal(AuditVerdict.Skipped, report.Checks[3].Verdict); // no receipts check was given to this runner
        Assert.Equal(new Random(AuditRunner.Seed(7, AuditCheckIds.Usage)).Next(), usage.FirstDraw);
        Assert.NotEqual(usage.FirstDraw, tools.FirstDraw);
        Assert.Equal(6, progress.Advanced);
        Assert.Equal(0, report.ExitCode);
    }

    [Fact]
    public async Task RunAsync_CheckThrowsOrFails_InconclusiveAndExitCodeOne()
    {
        var runner = new AuditRunner([new SendingCheck(AuditCheckIds.Output, 10, requests: 1, verdict: AuditVerdict.Fail), new BrokenCheck()], TimeProvider.System);

        var report = await runner.RunAsync(Target(), null, new AuditSettings(), [AuditCheckIds.Output, AuditCheckIds.Replay], new RecordingProgress(), CancellationToken.None);

        Assert.Equal(AuditVerdict.Fail, report.Checks[0].Verdict);
        Assert.Equal(AuditVerdict.Inconclusive, report.Checks[1].Verdict);
        Assert.Contains("InvalidOperationException", report.Checks[1].Summary, StringComparison.Ordinal);
        Assert.Equal(1, report.ExitCode);
    }

    private IAuditTarget Target() => AuditTargets.Create(AuditProtocol.OpenAIChat, "target", _simulator.BaseUrl, SimulatorModels.Small, "unused", _http);

    private sealed class SendingCheck(string id, int weight, int requests, AuditVerdict verdict = AuditVerdict.Pass) : IAuditCheck
    {
        public string Id => id;

        public string Title => id;

        public int DefaultRequests => weight;

        public int Budget { get; private set; }

        public int FirstDraw { get; private set; }

        public async Task<AuditCheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken)
        {
            Budget = context.RequestBudget;
            FirstDraw = context.Random.Next();
            for (int i = 0; i < requests; i++)
            {
                var reply = await context.Target.SendAsync(new AuditPrompt { Messages = [AuditMessage.User("Say something about " + id)] }, cancellationToken);
                Assert.True(reply.Succeeded, reply.Error);
                context.Progress(1);
            }

            return new AuditCheckResult { Id = id, Title = id, Verdict = verdict, Summary = "done" };
        }
    }

    private sealed class BrokenCheck : IAuditCheck
    {
        public string Id => AuditCheckIds.Replay;

        public string Title => "broken";

        public int DefaultRequests => 10;

        public Task<AuditCheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken) => throw new InvalidOperationException("a bug");
    }

    private sealed class RecordingProgress : IAuditProgress
    {
        private int _advanced;

        public int Advanced => _advanced;

        public void CheckStarted(IAuditCheck check, int requestBudget)
        {
        }

        void IAuditProgress.Advanced(IAuditCheck check, int requests) => Interlocked.Add(ref _advanced, requests);

        public void CheckFinished(IAuditCheck check, AuditCheckResult result)
        {
        }
    }
}
