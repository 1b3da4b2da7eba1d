using System.Net;
using System.Text;
using Warden.Server.Tests.Conformance;

namespace Warden.Server.Tests.Hardening;

/// <summary>
/// Client input that answered 500 (issue 18), each now a 400 in the caller's protocol naming the problem, on every
/// route and every upstream protocol (pass-through and translated alike), streamed and not.
/// </summary>
public sealed class ClientInputRegressionTests(ConformanceFixture fixture) : IClassFixture<ConformanceFixture>
{
    public static TheoryData<string, string, bool, string> EveryRouteEveryUpstream()
    {
        var data = new TheoryData<string, string, bool, string>();
        foreach (var route in WireRoute.Generate)
        {
            foreach (string upstream in ConformanceFixture.Upstreams)
            {
                data.Add(route.Protocol, route.Path, route.Stream, upstream);
            }
        }

        return data;
    }

    public static TheoryData<string, string, bool, string> TranslatedRoutes()
    {
        var data = new TheoryData<string, string, bool, string>();
        foreach (var row in EveryRouteEveryUpstream())
        {
            if ((string)row[0] != (string)row[3])
            {
                data.Add((string)row[0], (string)row[1], (bool)row[2], (string)row[3]);
            }
        }

        return data;
    }

    public static TheoryData<string, string, string> CountRoutesAndBadBodies()
    {
        var data = new TheoryData<string, string, string>();
        string[] bodies = ["", "not json", """{"model":"sim-small","messages":[""", """{"model":"sim-small","messages":[]} trailing""", "[1,2]"];
        foreach (var route in WireRoute.CountTokens)
        {
            foreach (string upstream in ConformanceFixture.Upstreams)
            {
                foreach (string body in bodies)
                {
                    data.Add(route.Path, upstream, body);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CountRoutesAndBadBodies))]
    public async Task CountTokens_BodyNotJson_Is400InItsProtocolNot500(string path, string upstream, string body)
    {
        var route = WireRoute.CountTokens.Single(r => r.Path == path);

        var (status, text) = await SendAsync(upstream, route, Encoding.UTF8.GetBytes(body));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        WireRoute.ErrorMessage(route.Protocol, text);
    }

    [Theory]
    [MemberData(nameof(EveryRouteEveryUpstream))]
    public async Task LoneSurrogateEscape_Is400NamingItNot500(string protocol, string path, bool stream, string upstream)
    {
        var route = WireRoute.Find(protocol, path, stream);

        var (status, text) = await SendAsync(upstream, route, route.Body("\"h\\ud800i\""));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("surrogate", WireRoute.ErrorMessage(protocol, text), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(EveryRouteEveryUpstream))]
    public async Task LowSurrogateEscapeBeforeAHighOne_Is400NotA500(string protocol, string path, bool stream, string upstream)
    {
        var route = WireRoute.Find(protocol, path, stream);

        // A low surrogate first, then a high one: the pair reversed is no pair.
        var (status, text) = await SendAsync(upstream, route, route.Body("\"\\udc00\\ud800\""));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("surrogate", WireRoute.ErrorMessage(protocol, text), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(EveryRouteEveryUpstream))]
    public async Task InvalidUtf8InText_Is400NamingItNot500(string protocol, string path, bool stream, string upstream)
    {
        var route = WireRoute.Find(protocol, path, stream);
        byte[] body = Splice(route.Body("\"h#BAD#i\""), "#BAD#", [0xED, 0xA0, 0x80, 0xFF]);

        var (status, text) = await SendAsync(upstream, route, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("UTF-8", WireRoute.ErrorMessage(protocol, text), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TranslatedRoutes))]
    public async Task TemperatureBeyondADouble_Is400NamingTheFieldNot500(string protocol, string path, bool stream, string upstream)
    {
        var route = WireRoute.Find(protocol, path, stream);
        foreach (string number in new[] { "1e999999", "1" + new string('0', 100_000) })
        {
            string extra = protocol == "gemini" ? $$"""
                "generationConfig":{"temperature":{{number}}}
                """ : "\"temperature\":" + number;

            var (status, text) = await SendAsync(upstream, route, route.Body("\"hi\"", extra: extra));

            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("temperature", WireRoute.ErrorMessage(protocol, text), StringComparison.Ordinal);
        }
    }

    public static TheoryData<string, string, bool, string, string> RepeatedRoutingMembers()
    {
        var data = new TheoryData<string, string, bool, string, string>();
        string[] extras = ["\"model\":\"sim-reasoner\"", "\"Model\":\"sim-reasoner\"", "\"MODEL\":\"sim-reasoner\"", "\"mod\\u0065l\":\"sim-reasoner\"", "\"stream\":true", "\"Stream\":true"];
        foreach (var route in WireRoute.Generate.Concat(WireRoute.CountTokens).Where(r => r.Protocol != "gemini"))
        {
            foreach (string upstream in ConformanceFixture.Upstreams)
            {
                // A count body has no stream member of its own, so only a variant of it is a second one there.
                foreach (string extra in route.Count ? extras.Where(e => !e.StartsWith("\"stream", StringComparison.Ordinal)) : extras)
                {
                    data.Add(route.Protocol, route.Path, route.Stream, upstream, extra);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RepeatedRoutingMembers))]
    public async Task RepeatedOrCaseVariantModelOrStream_Is400NotRoutedOnOneAndForwardedWithBoth(string protocol, string path, bool stream, string upstream, string extra)
    {
        var route = WireRoute.Find(protocol, path, stream);

        var (status, text) = await SendAsync(upstream, route, route.Body("\"hi\"", extra: extra));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        string message = WireRoute.ErrorMessage(protocol, text);
        Assert.Contains(extra.Contains("tream", StringComparison.Ordinal) ? "'stream'" : "'model'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void PolicyOverrideOfModelInAnotherCase_IsRefusedLikeModel()
    {
        var server = fixture.For("chat");

        var (policy, problem) = server.App.Data.Policies.Set("sim-chat", null, null, new Dictionary<string, string> { ["Model"] = "\"sim-reasoner\"" });
        var (_, streamProblem) = server.App.Data.Policies.Set("sim-chat", null, null, new Dictionary<string, string> { ["STREAM"] = "false" });

        Assert.Null(policy);
        Assert.Contains("cannot be overridden", problem, StringComparison.Ordinal);
        Assert.Contains("cannot be overridden", streamProblem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidRequestAfterTheRefusals_IsStillServed()
    {
        var route = WireRoute.Find("chat", "v1/chat/completions", false);

        var (status, _) = await SendAsync("anthropic", route, route.Body("\"h\\ud83d\\ude00i\""));

        Assert.Equal(HttpStatusCode.OK, status);
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(string upstream, WireRoute route, byte[] body)
    {
        var server = fixture.For(upstream);
        using var request = route.Request(server.DemoKey, body);
        using var response = await server.Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode < 500, $"{route.Path} via {upstream} answered {(int)response.StatusCode}: {text}");
        return (response.StatusCode, text);
    }

    private static byte[] Splice(byte[] body, string marker, byte[] replacement)
    {
        int at = body.AsSpan().IndexOf(Encoding.ASCII.GetBytes(marker));
        return [.. body.AsSpan(0, at), .. replacement, .. body.AsSpan(at + marker.Length)];
    }
}
