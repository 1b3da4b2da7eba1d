using System.Net;
using System.Text;
using System.Text.Json;
using Warden.Core.Providers;
using Warden.Server.Routing;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Resilience;

/// <summary>
/// Cache affinity through a real Warden with three equal channels for one model: one conversation stays on one
/// upstream key across turns (so the provider's prompt cache hits), moves when that key cools down, and different
/// conversations spread over the keys.
/// </summary>
public sealed class AffinityTests
{
    [Fact]
    public async Task TenTurnConversation_StaysOnOneKey_AndMovesWhenThatKeyCoolsDown()
    {
        await using var lab = await RoutingLab.StartAsync();
        var channels = new[] { lab.Add("a", ""), lab.Add("b", ""), lab.Add("c", "") };
        var history = new List<(string Role, string Text)> { ("system", "You are a careful coding agent."), ("user", "Refactor the router.") };

        var served = new List<string>();
        for (int turn = 0; turn < 10; turn++)
        {
            served.Add(await TurnAsync(lab, history));
            history.Add(("assistant", $"Step {turn} done."));
            history.Add(("user", $"Continue with step {turn + 1}."));
        }

        string sticky = Assert.Single(served.Distinct());

        // The provider rate-limits that key: the conversation moves to another key, and stays there.
        var health = lab.Server.App.Services.GetRequiredService<UpstreamHealth>();
        health.ReportFailure(RouteLeg.HealthKey(Target(lab, sticky), "sim-small"), UpstreamErrorKind.RateLimited, TimeSpan.FromMinutes(5));
        var moved = new List<string>();
        for (int turn = 10; turn < 14; turn++)
        {
            moved.Add(await TurnAsync(lab, history));
            history.Add(("assistant", $"Step {turn} done."));
            history.Add(("user", $"Continue with step {turn + 1}."));
        }

        string next = Assert.Single(moved.Distinct());
        Assert.NotEqual(sticky, next);
        Assert.Contains(next, channels.Select(c => c.Id));
    }

    [Fact]
    public async Task SessionHeader_KeepsAnAnthropicConversationOnOneKey_EvenWhenItsFirstMessageChanges()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("a", "");
        lab.Add("b", "");
        lab.Add("c", "");
        string session = Guid.NewGuid().ToString();

        var served = new List<string>();
        for (int turn = 0; turn < 6; turn++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages")
            {
                Content = new StringContent(
                    $$"""{"model":"sim-small","max_tokens":64,"messages":[{"role":"user","content":"compacted history {{turn}}"}]}""",
                    Encoding.UTF8,
                    "application/json"),
            };
            request.Headers.Add("x-api-key", lab.Server.DemoKey);
            request.Headers.Add("anthropic-version", "2023-06-01");
            request.Headers.Add("x-claude-code-session-id", session);
            using var response = await lab.Server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            served.Add((await lab.Server.UsageForAsync(FaultInjectionTests.RequestId(response))).ChannelId!);
        }

        Assert.Single(served.Distinct());
    }

    [Fact]
    public async Task DifferentConversations_SpreadOverTheKeys()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("a", "");
        lab.Add("b", "");
        lab.Add("c", "");

        var served = new HashSet<string>();
        for (int conversation = 0; conversation < 16; conversation++)
        {
            served.Add(await TurnAsync(lab, [("user", $"Task number {conversation}: fix bug {conversation * 7}.")]));
        }

        // Sixteen conversations all hashed onto one of three keys would have a chance of 3 * (1/3)^16.
        Assert.True(served.Count > 1, "every conversation went to the same key");
    }

    private static RouteTarget Target(RoutingLab lab, string channelId) =>
        lab.Server.App.Services.GetRequiredService<ChannelCatalog>().Find("sim-small").Single(t => t.ChannelId == channelId);

    private static async Task<string> TurnAsync(RoutingLab lab, List<(string Role, string Text)> history)
    {
        var body = new StringBuilder("{\"model\":\"sim-small\",\"messages\":[");
        for (int i = 0; i < history.Count; i++)
        {
            body.Append(i == 0 ? "" : ",").Append("{\"role\":\"").Append(history[i].Role).Append("\",\"content\":")
                .Append(JsonSerializer.Serialize(history[i].Text, TestJsonContext.Default.String)).Append('}');
        }

        body.Append("]}");
        using var response = await lab.Server.Http.SendAsync(Requests.Chat(lab.Server.DemoKey, body.ToString()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await lab.Server.UsageForAsync(FaultInjectionTests.RequestId(response))).ChannelId!;
    }
}
