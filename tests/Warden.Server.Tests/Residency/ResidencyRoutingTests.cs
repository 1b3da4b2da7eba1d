using System.Net;
using System.Text.Json;
using Warden.Server.Keys;
using Warden.Server.Residency;
using Warden.Server.Routing;
using Warden.Server.Tests.Resilience;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Residency;

/// <summary>
/// Issue 20: routing honours a key's residency rule before anything else. A channel outside the allowed jurisdictions
/// is never tried, whatever its priority; a declared fallback model never crosses the border either; when nothing
/// allowed is left the client gets a 403 that says so. With no rule, nothing changes. What the upstream was sent is
/// read from the simulator's journal (a channel's fault prefix tells which channel a request reached).
/// </summary>
public sealed class ResidencyRoutingTests
{
    private static ChannelTuning In(string jurisdiction) => new(1, Jurisdiction: jurisdiction);

    [Fact]
    public async Task ForbiddenJurisdiction_IsNeverTried_EvenWhenItsChannelHasTheHigherPriority()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("abroad", "500", priority: 10, tuning: In("US"));
        lab.Add("home", "", priority: 0, tuning: In("CN"));
        var (key, keyId) = IssueKey(lab);
        Set(lab, new ResidencyRuleSpec(null, keyId, "CN", "CN,local", "block"));

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-small", "hi")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("CN", response.Headers.GetValues("Warden-Jurisdiction").Single());
        Assert.Equal(0, lab.Received("500"));
        var claims = await FallbackTests.VerifiedClaimsAsync(lab.Server, response);
        Assert.DoesNotContain(claims.Attempts, a => a.Channel == "abroad");
    }

    [Fact]
    public async Task WithoutRule_TheHigherPriorityChannelAbroadIsTriedFirst_NothingChanges()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("abroad", "500", priority: 10, tuning: In("US"));
        lab.Add("home", "", priority: 0, tuning: In("CN"));
        var (key, _) = IssueKey(lab);

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-small", "hi")));

        // The fixture's control: without a rule the abroad channel is tried (and fails), so the test above can fail.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, lab.Received("500"));
    }

    [Fact]
    public async Task NoAllowedChannel_Is403ResidencyNoRoute_InTheCallersProtocol_AndNothingIsSent()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("abroad", "", tuning: In("US"));
        var (key, keyId) = IssueKey(lab);
        Set(lab, new ResidencyRuleSpec(null, keyId, "CN", "CN"));

        using var chat = await lab.Server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-small", "hi")));
        using var messages = await lab.Server.Http.SendAsync(AnthropicRequest(key, "{\"model\":\"sim-small\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));

        Assert.Equal(HttpStatusCode.Forbidden, chat.StatusCode);
        using (var error = JsonDocument.Parse(await chat.Content.ReadAsStringAsync()))
        {
            var body = error.RootElement.GetProperty("error");
            Assert.Equal("residency_no_route", body.GetProperty("code").GetString());
            string message = body.GetProperty("message").GetString()!;
            Assert.Contains("key:" + keyId, message, StringComparison.Ordinal);
            Assert.Contains("US", message, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.Forbidden, messages.StatusCode);
        using (var error = JsonDocument.Parse(await messages.Content.ReadAsStringAsync()))
        {
            Assert.Equal("error", error.RootElement.GetProperty("type").GetString());
            Assert.Equal("permission_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        }

        Assert.Empty(lab.Simulator.Journal.Snapshot());
    }

    [Fact]
    public async Task DeclaredFallbackModel_StopsAtTheBorder()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("large-home", "500", model: "sim-large", tuning: In("CN"));
        lab.Add("small-abroad", "", model: "sim-small", tuning: In("US"));
        var (key, keyId) = IssueKey(lab, fallback: "sim-small");
        Set(lab, new ResidencyRuleSpec(null, keyId, "CN", "CN"));

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-large", "hi")));

        // The home channel's own failure, not an answer from the fallback model abroad.
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.False(response.Headers.Contains("Warden-Fallback"));
        Assert.DoesNotContain(lab.Simulator.Journal.Snapshot(), e => e.Model == "sim-small");
    }

    [Fact]
    public async Task DeclaredFallbackModel_AtHome_IsStillUsed()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("large-abroad", "", model: "sim-large", tuning: In("US"));
        lab.Add("small-home", "", model: "sim-small", tuning: In("CN"));
        var (key, keyId) = IssueKey(lab, fallback: "sim-small");
        Set(lab, new ResidencyRuleSpec(null, keyId, "CN", "CN"));

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-large", "hi")));

        // The requested model runs only abroad: the key's own fallback list is what serves, and it says so.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("from=sim-large; to=sim-small", response.Headers.GetValues("Warden-Fallback").Single());
        Assert.DoesNotContain(lab.Simulator.Journal.Snapshot(), e => e.Model == "sim-large");
    }

    [Fact]
    public async Task KeyRule_ClearedAgain_RoutesAsBefore()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("abroad", "", tuning: In("US"));
        var (key, keyId) = IssueKey(lab);
        Set(lab, new ResidencyRuleSpec(null, keyId, "CN", "CN"));
        using (var refused = await lab.Server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-small", "hi"))))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        Assert.Null(lab.Server.App.Data.Residency.Clear(null, keyId));
        lab.Server.Reload();

        using var response = await lab.Server.Http.SendAsync(Requests.Chat(key, Requests.Body("sim-small", "hi")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    internal static (string Key, string KeyId) IssueKey(RoutingLab lab, string? fallback = null)
    {
        var issued = lab.Server.App.Data.KeyIssuer.Issue("resident", KeyRole.Client, null, null);
        if (fallback is not null)
        {
            Assert.Null(lab.Server.App.Data.Keys.SetFallback(issued.Key.Id, [fallback]));
        }

        lab.Server.Reload();
        return (issued.Plaintext, issued.Key.Id);
    }

    internal static ResidencyRule Set(RoutingLab lab, ResidencyRuleSpec spec)
    {
        var (rule, problem) = lab.Server.App.Data.Residency.Set(spec);
        Assert.Null(problem);
        lab.Server.Reload();
        return rule!;
    }

    internal static HttpRequestMessage AnthropicRequest(string key, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        return request;
    }
}
