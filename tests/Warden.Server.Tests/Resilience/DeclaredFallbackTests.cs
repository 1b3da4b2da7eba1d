using System.Net;
using Warden.Server.Keys;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Resilience;

/// <summary>
/// Aliases and declared fallback models through the attempt loop: an alias is served by its target and says so; a key
/// that opted into a fallback list gets another model when every channel of the requested one fails, disclosed in the
/// headers and the receipt; a strict key (the default) gets the error instead of another model.
/// </summary>
public sealed class DeclaredFallbackTests
{
    [Fact]
    public async Task OptedInKey_FallsBackToItsDeclaredModel_AndTheCrossingIsDisclosedInHeadersAndReceipt()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("large", "500", model: "sim-large");
        lab.Add("small", "", model: "sim-small");
        string key = KeyWithFallback(lab, "sim-small");

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-large", "hi")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("from=sim-large; to=sim-small", response.Headers.GetValues("Warden-Fallback").Single());
        Assert.Equal("sim-small", response.Headers.GetValues("Warden-Served-Model").Single());
        var claims = await FallbackTests.VerifiedClaimsAsync(lab.Server, response);
        Assert.True(claims.Fallback.Used);
        Assert.Equal("sim-large", claims.Fallback.FromModel);
        Assert.Equal("sim-small", claims.Fallback.ToModel);
        Assert.Equal("sim-large", claims.RequestedModel);
        Assert.Equal(["large", "small"], claims.Attempts.Select(a => a.Channel));
        Assert.Contains("fallback:sim-large->sim-small", claims.Changes);

        // What went upstream named the fallback model, and the journal of the simulator agrees.
        Assert.Contains(lab.Simulator.Journal.Snapshot(), e => e.Fault is null && e.Model == "sim-small");
    }

    [Fact]
    public async Task StrictKey_GetsTheErrorInsteadOfAnotherModel()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("large", "500", model: "sim-large");
        lab.Add("small", "", model: "sim-small");

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(lab.Server.DemoKey, Requests.Body("sim-large", "hi")));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.False(response.Headers.Contains("Warden-Fallback"));
        Assert.DoesNotContain(lab.Simulator.Journal.Snapshot(), e => e.Model == "sim-small");
    }

    [Fact]
    public async Task OptedInKey_StillPrefersEveryChannelOfTheRequestedModel_BeforeCrossing()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("large-a", "500", priority: 5, model: "sim-large");
        lab.Add("large-b", "", priority: 0, model: "sim-large");
        lab.Add("small", "", model: "sim-small");
        string key = KeyWithFallback(lab, "sim-small");

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-large", "hi")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Warden-Fallback"));
        Assert.Equal("sim-large", response.Headers.GetValues("Warden-Served-Model").Single());
    }

    [Fact]
    public async Task Alias_IsServedByItsTarget_AndTheReceiptNamesTheResolution()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("small", "");
        var (alias, problem) = lab.Server.App.Data.Aliases.Add("coder", "sim-small", "simulator", "2026-11");
        Assert.Null(problem);
        Assert.NotNull(alias);
        lab.Server.Reload();

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(lab.Server.DemoKey, Requests.Body("coder", "hi")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The model field is what the upstream reported, never rewritten to the alias.
        Assert.Equal("sim-small", response.Headers.GetValues("Warden-Served-Model").Single());
        var claims = await FallbackTests.VerifiedClaimsAsync(lab.Server, response);
        Assert.Equal("coder", claims.RequestedModel);
        Assert.Equal("sim-small", claims.ServedModel);
        Assert.Contains("alias:coder->sim-small", claims.Changes);
        Assert.False(claims.Fallback.Used);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task ChannelPolicy_IsAppliedToWhatGoesUpstream_AndNamedInTheReceipt(string client)
    {
        await using var lab = await RoutingLab.StartAsync();
        string provider = client == "anthropic" ? "simulator-anthropic" : "simulator";
        lab.Add("capped", "", provider: provider);
        var (policy, problem) = lab.Server.App.Data.Policies.Set("capped", "Answer in English.", 64, new Dictionary<string, string>());
        Assert.Null(problem);
        Assert.NotNull(policy);
        lab.Server.Reload();

        using var request = client == "anthropic"
            ? AnthropicRequest(lab, "{\"model\":\"sim-small\",\"max_tokens\":4096,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
            : Requests.Chat(lab.Server.DemoKey, "{\"model\":\"sim-small\",\"max_tokens\":4096,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        using var response = await lab.Server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var claims = await FallbackTests.VerifiedClaimsAsync(lab.Server, response);
        Assert.Contains("policy:system_prefix", claims.Changes);
        Assert.Contains("policy:max_output_tokens=64", claims.Changes);
        Assert.NotEqual(claims.ClientRequestSha256, claims.UpstreamRequestSha256);
    }

    [Fact]
    public async Task WithoutPolicy_TheUpstreamGetsTheClientsExactBytes()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("plain", "");

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(lab.Server.DemoKey, "{\"model\":\"sim-small\",\"max_tokens\":4096,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));

        var claims = await FallbackTests.VerifiedClaimsAsync(lab.Server, response);
        Assert.Empty(claims.Changes);
        Assert.Equal(claims.ClientRequestSha256, claims.UpstreamRequestSha256);
    }

    /// <summary>A new client key that opted into these fallback models.</summary>
    private static string KeyWithFallback(RoutingLab lab, params string[] models)
    {
        var issued = lab.Server.App.Data.KeyIssuer.Issue("agent", KeyRole.Client, null, null);
        Assert.Null(lab.Server.App.Data.Keys.SetFallback(issued.Key.Id, models));
        lab.Server.Reload();
        return issued.Plaintext;
    }

    private static HttpRequestMessage AnthropicRequest(RoutingLab lab, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("x-api-key", lab.Server.DemoKey);
        request.Headers.Add("anthropic-version", "2023-06-01");
        return request;
    }
}
