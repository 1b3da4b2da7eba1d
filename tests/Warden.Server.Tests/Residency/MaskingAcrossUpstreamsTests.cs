using System.Net;
using Warden.Server.Residency;
using Warden.Server.Routing;
using Warden.Server.Tests.Resilience;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Residency;

/// <summary>
/// Issue 20's masking across the upstream protocols, with the simulator's echo mode (its answer repeats the text it
/// received): whatever protocol the channel abroad speaks, the client of each protocol gets every original value back and
/// no placeholder, streamed and not. (<see cref="MaskingTests"/> checks, on a recording upstream, that no value went out.)
/// </summary>
public sealed class MaskingAcrossUpstreamsTests
{
    private const string IdNumber = "11010519491231002X";
    private const string Mobile = "13800138000";

    [Theory]
    [InlineData("simulator-anthropic", "openai", false)]
    [InlineData("simulator-anthropic", "openai", true)]
    [InlineData("simulator-responses", "anthropic", false)]
    [InlineData("simulator-responses", "anthropic", true)]
    [InlineData("simulator-gemini", "openai", true)]
    [InlineData("simulator-gemini", "anthropic", false)]
    [InlineData("simulator", "anthropic", true)]
    public async Task Mask_EchoedAnswer_ComesBackWithTheOriginalValues(string upstream, string client, bool stream)
    {
        await using var lab = await RoutingLab.StartAsync();
        // The echo fault as a URL prefix, in front of the protocol's own root (Gemini's is v1beta/).
        var url = new Uri(lab.Simulator.RootUrl, "_fault/echo/" + (upstream == "simulator-gemini" ? "v1beta/" : "v1/"));
        var added = lab.Server.App.Data.ChannelRegistrar.Add(new ChannelSpec("abroad", upstream, url.ToString(), ["sim-small"], 0, null,
            AllowPrivateNetwork: true, Tuning: new ChannelTuning(1, Jurisdiction: "US")));
        Assert.Null(added.Problem);
        lab.Server.Reload();
        var (key, keyId) = ResidencyRoutingTests.IssueKey(lab);
        ResidencyRoutingTests.Set(lab, new ResidencyRuleSpec(null, keyId, "CN", null, "mask"));
        string prompt = $"id {IdNumber}, mobile {Mobile}";
        string s = stream ? "true" : "false";

        using var request = client == "anthropic"
            ? ResidencyRoutingTests.AnthropicRequest(key, $"{{\"model\":\"sim-small\",\"max_tokens\":512,\"stream\":{s},\"messages\":[{{\"role\":\"user\",\"content\":\"{prompt}\"}}]}}")
            : Requests.Chat(key, Requests.Body("sim-small", prompt, stream));
        using var response = await lab.Server.Http.SendAsync(request);
        string answer = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, answer);
        Assert.Contains(IdNumber, answer, StringComparison.Ordinal);
        Assert.Contains(Mobile, answer, StringComparison.Ordinal);
        Assert.DoesNotContain("[[pii:", answer, StringComparison.Ordinal);
        Assert.Equal("echo", Assert.Single(lab.Simulator.Journal.Snapshot()).Fault);

        string requestId = response.Headers.GetValues("x-request-id").Single();
        await lab.Server.UsageForAsync(requestId);
        Assert.Equal("mask", PersonalDataAbroadTests.Transfer(lab, requestId)!.Action);
    }
}
