using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Warden.Server.Residency;
using Warden.Server.Routing;
using Warden.Server.Tests.Resilience;

namespace Warden.Server.Tests.Residency;

/// <summary>
/// Issue 20's masking, end to end: under a <c>mask</c> rule a request going abroad reaches the upstream with
/// placeholders in place of its values (checked from the bodies the upstream received, not from Warden's account),
/// and the client gets every original value back, in text and in tool-call arguments, for each client protocol,
/// streamed and not. The upstream (<see cref="EchoUpstream"/>) repeats what it got, streamed in three-character
/// pieces, so every placeholder reaches Warden cut across events.
/// </summary>
public sealed partial class MaskingTests
{
    private const string IdNumber = "11010519491231002X";
    private const string Mobile = "13800138000";
    private const string Prompt = $"Please file this: id {IdNumber}, mobile {Mobile}.";

    [Theory]
    [InlineData("openai", false)]
    [InlineData("openai", true)]
    [InlineData("anthropic", false)]
    [InlineData("anthropic", true)]
    [InlineData("responses", false)]
    [InlineData("responses", true)]
    [InlineData("gemini", false)]
    [InlineData("gemini", true)]
    public async Task Mask_UpstreamGetsNoValue_ClientGetsEveryValueBack_InTextAndToolArguments(string client, bool stream)
    {
        await using var lab = await RoutingLab.StartAsync();
        await using var upstream = await EchoUpstream.StartAsync();
        AddEchoChannel(lab, upstream);
        var (key, keyId) = ResidencyRoutingTests.IssueKey(lab);
        ResidencyRoutingTests.Set(lab, new ResidencyRuleSpec(null, keyId, "CN", null, "mask"));

        using var response = await lab.Server.Http.SendAsync(Request(client, key, stream));
        string answer = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, answer);
        string sent = Assert.Single(upstream.Received);
        Assert.DoesNotContain(IdNumber, sent, StringComparison.Ordinal);
        Assert.DoesNotContain(Mobile, sent, StringComparison.Ordinal);
        Assert.Matches(PlaceholderPattern(), sent);

        // Once in the text and once in the tool call's arguments, each restored whole, with no placeholder left.
        Assert.True(Occurrences(answer, IdNumber) >= 2, answer);
        Assert.True(Occurrences(answer, Mobile) >= 2, answer);
        Assert.DoesNotMatch(PlaceholderPattern(), answer);

        string requestId = response.Headers.GetValues("x-request-id").Single();
        await lab.Server.UsageForAsync(requestId);
        var transfer = PersonalDataAbroadTests.Transfer(lab, requestId)!;
        Assert.Equal("mask", transfer.Action);
        Assert.Contains("cn_id=1", transfer.Classes, StringComparison.Ordinal);
        Assert.Contains("phone=1", transfer.Classes, StringComparison.Ordinal);
        Assert.Equal("US", transfer.Jurisdiction);
    }

    [Fact]
    public async Task Mask_ReceiptNamesTheActionClassesAndDestination_AndPlaceholdersAreStableAcrossTurns()
    {
        await using var lab = await RoutingLab.StartAsync();
        await using var upstream = await EchoUpstream.StartAsync();
        AddEchoChannel(lab, upstream);
        var (key, keyId) = ResidencyRoutingTests.IssueKey(lab);
        ResidencyRoutingTests.Set(lab, new ResidencyRuleSpec(null, keyId, "CN", null, "mask"));

        using var first = await lab.Server.Http.SendAsync(Request("openai", key, stream: false));
        using var second = await lab.Server.Http.SendAsync(Request("openai", key, stream: false));

        var claims = await FallbackTests.VerifiedClaimsAsync(lab.Server, first);
        Assert.Contains(claims.Changes, c => c.StartsWith("pii:mask:cn_id=1,phone=1", StringComparison.Ordinal));
        Assert.Contains("transfer:US", claims.Changes);
        Assert.NotEqual(claims.ClientRequestSha256, claims.UpstreamRequestSha256);

        // The same value gets the same placeholder in every turn, so a multi-turn agent keeps working.
        var bodies = upstream.Received.ToArray();
        Assert.Equal(2, bodies.Length);
        var placeholders = PlaceholderPattern().Matches(bodies[0]).Select(m => m.Value).Distinct().Order().ToList();
        Assert.NotEmpty(placeholders);
        Assert.Equal(placeholders, PlaceholderPattern().Matches(bodies[1]).Select(m => m.Value).Distinct().Order().ToList());
    }

    [Fact]
    public async Task Mask_AttemptThatStaysHome_SendsTheClientsBytes()
    {
        await using var lab = await RoutingLab.StartAsync();
        await using var upstream = await EchoUpstream.StartAsync();
        AddEchoChannel(lab, upstream, "CN");
        var (key, keyId) = ResidencyRoutingTests.IssueKey(lab);
        ResidencyRoutingTests.Set(lab, new ResidencyRuleSpec(null, keyId, "CN", null, "mask"));

        using var response = await lab.Server.Http.SendAsync(Request("openai", key, stream: false));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(IdNumber, Assert.Single(upstream.Received), StringComparison.Ordinal);
        var claims = await FallbackTests.VerifiedClaimsAsync(lab.Server, response);
        Assert.Equal(claims.ClientRequestSha256, claims.UpstreamRequestSha256);
        Assert.Null(PersonalDataAbroadTests.Transfer(lab, claims.RequestId));
    }

    private static void AddEchoChannel(RoutingLab lab, EchoUpstream upstream, string jurisdiction = "US")
    {
        var result = lab.Server.App.Data.ChannelRegistrar.Add(new ChannelSpec("echo", "simulator", upstream.Url.ToString(), ["sim-small"], 0, null,
            AllowPrivateNetwork: true, Tuning: new ChannelTuning(1, Jurisdiction: jurisdiction)));
        Assert.Null(result.Problem);
        lab.Server.Reload();
    }

    private static HttpRequestMessage Request(string client, string key, bool stream)
    {
        const string schema = "{\"type\":\"object\",\"properties\":{\"note\":{\"type\":\"string\"}}}";
        string prompt = "\"" + Prompt + "\"";
        string s = stream ? "true" : "false";
        (string path, string body) = client switch
        {
            "openai" => ("v1/chat/completions",
                $"{{\"model\":\"sim-small\",\"stream\":{s},\"messages\":[{{\"role\":\"user\",\"content\":{prompt}}}],\"tools\":[{{\"type\":\"function\",\"function\":{{\"name\":\"record\",\"parameters\":{schema}}}}}]}}"),
            "anthropic" => ("v1/messages",
                $"{{\"model\":\"sim-small\",\"max_tokens\":256,\"stream\":{s},\"messages\":[{{\"role\":\"user\",\"content\":{prompt}}}],\"tools\":[{{\"name\":\"record\",\"input_schema\":{schema}}}]}}"),
            "responses" => ("v1/responses",
                $"{{\"model\":\"sim-small\",\"stream\":{s},\"input\":{prompt},\"tools\":[{{\"type\":\"function\",\"name\":\"record\",\"parameters\":{schema}}}]}}"),
            _ => (stream ? "v1beta/models/sim-small:streamGenerateContent?alt=sse" : "v1beta/models/sim-small:generateContent",
                $"{{\"contents\":[{{\"role\":\"user\",\"parts\":[{{\"text\":{prompt}}}]}}],\"tools\":[{{\"functionDeclarations\":[{{\"name\":\"record\",\"parameters\":{schema}}}]}}]}}"),
        };
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        switch (client)
        {
            case "anthropic":
                request.Headers.Add("x-api-key", key);
                request.Headers.Add("anthropic-version", "2023-06-01");
                break;
            case "gemini":
                request.Headers.Add("x-goog-api-key", key);
                break;
            default:
                request.Headers.Add("Authorization", "Bearer " + key);
                break;
        }

        return request;
    }

    private static int Occurrences(string text, string value)
    {
        int count = 0;
        for (int at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    [GeneratedRegex(@"\[\[pii:[a-z0-9_:\-]+\]\]")]
    private static partial Regex PlaceholderPattern();
}
