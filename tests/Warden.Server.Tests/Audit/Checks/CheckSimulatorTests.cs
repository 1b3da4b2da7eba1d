using Warden.Server.Audit;
using Warden.Server.Audit.Checks;
using Warden.Server.Audit.Clients;
using Warden.Server.Simulator;

namespace Warden.Server.Tests.Audit.Checks;

/// <summary>
/// Each check over HTTP against the real simulator, through the real protocol clients: the honest simulator passes,
/// and the dishonest mode the check exists for fails it.
/// </summary>
public sealed class CheckSimulatorTests : IDisposable
{
    private readonly AuditHttp _http = new(TimeSpan.FromSeconds(60), TimeProvider.System);

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Substitution_WithReference_HonestPasses_SubstituteFails()
    {
        var honest = await RunAsync(new SubstitutionCheck(), SimulatorDishonesty.Honest, withReference: true);
        Assert.Equal(AuditVerdict.Pass, honest.Verdict);
        Assert.Equal(160, honest.Requests);

        var substituted = await RunAsync(new SubstitutionCheck(), new SimulatorDishonesty { Substitute = SimulatorModels.Small }, withReference: true);
        Assert.Equal(AuditVerdict.Fail, substituted.Verdict);
        Assert.True(substituted.PValue < 0.01);
        Assert.Equal("MMD²", substituted.EffectName);
    }

    [Fact]
    public async Task Substitution_WithoutReference_HonestPasses_SubstituteFailsOnIdentity()
    {
        var honest = await RunAsync(new SubstitutionCheck(), SimulatorDishonesty.Honest);
        Assert.Equal(AuditVerdict.Pass, honest.Verdict);
        Assert.Equal(0, honest.Effect);

        var substituted = await RunAsync(new SubstitutionCheck(), new SimulatorDishonesty { Substitute = SimulatorModels.Small });
        Assert.Equal(AuditVerdict.Fail, substituted.Verdict);
        Assert.Contains("declared identity", substituted.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("responses")]
    [InlineData("anthropic")]
    [InlineData("gemini")]
    public async Task Usage_HonestPasses_InflatedFails(string protocolName)
    {
        Assert.True(AuditTargets.TryParse(protocolName, out var protocol));
        var honest = await RunAsync(new UsageCheck(), SimulatorDishonesty.Honest, protocol: protocol);
        Assert.Equal(AuditVerdict.Pass, honest.Verdict);
        Assert.Equal(1.0, honest.Effect!.Value, 2);

        var inflated = await RunAsync(new UsageCheck(), new SimulatorDishonesty { Inflate = 1.3 }, protocol: protocol);
        Assert.Equal(AuditVerdict.Fail, inflated.Verdict);
        Assert.InRange(inflated.Effect!.Value, 1.25, 1.35);
        Assert.True(inflated.CiLow > 1 + UsageCheck.Tolerance);
    }

    [Fact]
    public async Task Context_HonestPasses_TruncatedFails()
    {
        var honest = await RunAsync(new ContextCheck(), SimulatorDishonesty.Honest);
        Assert.Equal(AuditVerdict.Pass, honest.Verdict);
        Assert.Contains(honest.Findings, f => f.Contains("(advertised)", StringComparison.Ordinal));

        var truncated = await RunAsync(new ContextCheck(), new SimulatorDishonesty { TruncateContext = 20 });
        Assert.Equal(AuditVerdict.Fail, truncated.Verdict);
        Assert.Equal(0, truncated.Effect);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(100)]
    public async Task Output_HonestPasses_CappedFails(int cap)
    {
        var honest = await RunAsync(new OutputCheck(), SimulatorDishonesty.Honest);
        Assert.Equal(AuditVerdict.Pass, honest.Verdict);

        var capped = await RunAsync(new OutputCheck(), new SimulatorDishonesty { CapOutput = cap });
        Assert.Equal(AuditVerdict.Fail, capped.Verdict);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Replay_HonestPasses_ReplayFails(bool withReference)
    {
        var honest = await RunAsync(new ReplayCheck(), SimulatorDishonesty.Honest, withReference: withReference);
        Assert.Equal(AuditVerdict.Pass, honest.Verdict);

        var replayed = await RunAsync(new ReplayCheck(), new SimulatorDishonesty { Replay = true }, withReference: withReference);
        Assert.Equal(AuditVerdict.Fail, replayed.Verdict);
        Assert.Equal(1.0, replayed.Effect);
    }

    [Fact]
    public async Task Tools_HonestPasses_InjectedFails()
    {
        var honest = await RunAsync(new ToolsCheck(), SimulatorDishonesty.Honest);
        Assert.Equal(AuditVerdict.Pass, honest.Verdict);

        var injected = await RunAsync(new ToolsCheck(), new SimulatorDishonesty { InjectTool = true });
        Assert.Equal(AuditVerdict.Fail, injected.Verdict);
        Assert.Contains("declared no tools", injected.Findings[0], StringComparison.Ordinal);
    }

    private async Task<AuditCheckResult> RunAsync(
        IAuditCheck check, SimulatorDishonesty dishonesty, bool withReference = false, AuditProtocol protocol = AuditProtocol.OpenAIChat)
    {
        // Seeded samplers (different for target and reference, or they would answer alike): a check calibrated at
        // alpha flags an honest sampler in about alpha of runs, so an unseeded honest run would fail now and then.
        await using var target = await SimulatorHost.StartAsync(new SimulatorOptions { Dishonesty = dishonesty, SamplingSeed = 11 }, CancellationToken.None);
        await using var reference = withReference ? await SimulatorHost.StartAsync(new SimulatorOptions { SamplingSeed = 29 }, CancellationToken.None) : null;
        var context = new AuditContext
        {
            Target = Client(target, protocol, "target"),
            Reference = reference is null ? null : Client(reference, protocol, "reference"),
            Settings = new AuditSettings { Seed = 11 },
            RequestBudget = check.DefaultRequests * (withReference && check is not SubstitutionCheck ? 2 : 1),
            Random = new Random(11),
        };
        var result = await check.RunAsync(context, CancellationToken.None);
        Assert.Equal(check.Id, result.Id);
        Assert.InRange(result.Requests, 1, context.RequestBudget);
        Assert.True(result.Tokens > 0);
        return result;
    }

    private IAuditTarget Client(SimulatorHost host, AuditProtocol protocol, string label) =>
        AuditTargets.Create(protocol, label, protocol == AuditProtocol.Gemini ? host.GeminiBaseUrl : host.BaseUrl, SimulatorModels.Large, "unused", _http);
}
