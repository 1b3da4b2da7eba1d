using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Warden.Core.Canonical;
using Warden.Core.Providers;
using Warden.Server.Billing;
using Warden.Server.Pipeline;
using Warden.Server.Protocols;
using Warden.Server.Relay;
using Warden.Server.Routing;

namespace Warden.Server.Tests.Relay;

/// <summary>
/// The output cap a metered hold needs (issue 18: a request naming no limit, for a model whose maximum output is not
/// known, is capped so that its hold is an upper bound) reaches the body sent upstream and is declared in the changes.
/// </summary>
public sealed class UpstreamBodiesOutputCapTests
{
    private const string NoLimit = """{"model":"my-local-llama","messages":[{"role":"user","content":"hi"}]}""";

    private static (string Body, List<string> Changes) Prepare(long? outputCap, PolicyCatalog policies, string body = NoLimit)
    {
        var request = new RelayRequest("req-cap", 0, DateTimeOffset.UnixEpoch, ClientProtocol.For(WireDialectName.OpenAIChat), new RequestContext())
        {
            Facts = new RequestFacts("my-local-llama", false, null, null),
            OutputCap = outputCap,
        };
        var target = new RouteTarget("ch-1", "local", 0, DateTimeOffset.UnixEpoch,
            new UpstreamTarget(new Uri("http://127.0.0.1:1/"), ProviderProfiles.OpenAI, null, true));
        using var attempt = new UpstreamAttempt(target, "my-local-llama", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), TimeProvider.System,
            NullLogger.Instance, "req-cap", CancellationToken.None);
        var sent = new UpstreamBodies(policies).Prepare(request, attempt, Encoding.UTF8.GetBytes(body), WireDialectName.OpenAIChat, modelInBody: true);
        return (Encoding.UTF8.GetString(sent.Span), request.Changes);
    }

    [Fact]
    public void OutputCap_IsWrittenIntoTheUpstreamBody_AndDeclared()
    {
        var (body, changes) = Prepare(OutputLimits.UnknownModelCap, new PolicyCatalog());
        Assert.Contains("\"max_tokens\":32768", body, StringComparison.Ordinal);
        Assert.Contains(OutputLimits.CapChange + "32768", changes);
    }

    [Fact]
    public void NoOutputCap_LeavesTheBodyAsSent()
    {
        var (body, changes) = Prepare(null, new PolicyCatalog());
        Assert.Equal(NoLimit, body);
        Assert.Empty(changes);
    }

    [Fact]
    public void AChannelCapBelowTheHoldsCap_Stands_AndTheHoldsCapChangesNothing()
    {
        var policies = new PolicyCatalog();
        policies.Replace([new ChannelPolicy("ch-1", null, 1_000, new Dictionary<string, string>(), 1, DateTimeOffset.UnixEpoch)]);
        var (body, changes) = Prepare(OutputLimits.UnknownModelCap, policies);
        Assert.Contains("\"max_tokens\":1000", body, StringComparison.Ordinal);
        Assert.DoesNotContain(OutputLimits.CapChange + "32768", changes);
    }

    [Fact]
    public void APolicyOverrideRaisingTheLimit_IsCappedBackToTheHeldOutput()
    {
        var policies = new PolicyCatalog();
        policies.Replace([new ChannelPolicy("ch-1", null, null, new Dictionary<string, string> { ["max_tokens"] = "100000" }, 1, DateTimeOffset.UnixEpoch)]);
        var (body, changes) = Prepare(OutputLimits.UnknownModelCap, policies);
        Assert.Contains("\"max_tokens\":32768", body, StringComparison.Ordinal);
        Assert.Contains(OutputLimits.CapChange + "32768", changes);
    }
}
