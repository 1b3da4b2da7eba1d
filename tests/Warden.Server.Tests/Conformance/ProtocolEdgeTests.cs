using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Warden.Server.Tests.Conformance;

/// <summary>
/// The edges of each protocol: where the key goes, what bad input gets back, count-tokens (forwarded or a labelled
/// estimate) and the model lists, each in the client's own protocol.
/// </summary>
public sealed class ProtocolEdgeTests(ConformanceFixture fixture) : IClassFixture<ConformanceFixture>
{
    [Theory]
    [InlineData("anthropic", "x-api-key")]
    [InlineData("anthropic", "bearer")]
    [InlineData("gemini", "x-goog-api-key")]
    [InlineData("gemini", "query")]
    [InlineData("responses", "bearer")]
    public async Task EachProtocol_AcceptsItsClientsKeyPlacement(string client, string placement)
    {
        var server = fixture.For("chat");
        var driver = ClientDriver.ByName(client);
        var conversation = new Conversation();
        driver.AddUser(conversation, "hello");
        using var request = driver.BuildRequest(server.Url, "wdn_placeholder", "sim-small", conversation, stream: false);
        request.Headers.Remove("x-api-key");
        request.Headers.Remove("x-goog-api-key");
        request.Headers.Authorization = null;
        switch (placement)
        {
            case "x-api-key": request.Headers.Add("x-api-key", server.DemoKey); break;
            case "x-goog-api-key": request.Headers.Add("x-goog-api-key", server.DemoKey); break;
            case "query": request.RequestUri = new Uri(request.RequestUri + "?key=" + Uri.EscapeDataString(server.DemoKey)); break;
            default: request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.DemoKey); break;
        }

        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("chat")]
    [InlineData("anthropic")]
    [InlineData("responses")]
    [InlineData("gemini")]
    public async Task MissingKey_Is401InTheClientsProtocol(string client)
    {
        var server = fixture.For("chat");
        var driver = ClientDriver.ByName(client);
        var conversation = new Conversation();
        driver.AddUser(conversation, "hello");
        using var request = driver.BuildRequest(server.Url, "", "sim-small", conversation, stream: false);
        request.Headers.Remove("x-api-key");
        request.Headers.Remove("x-goog-api-key");
        request.Headers.Authorization = null;

        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("No API key", driver.ErrorMessage(JsonNode.Parse(await response.Content.ReadAsStringAsync())!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("anthropic", "v1/messages")]
    [InlineData("responses", "v1/responses")]
    [InlineData("gemini", "v1beta/models/sim-small:generateContent")]
    public async Task MalformedJson_Is400InTheClientsProtocolNamingWhereItBroke(string client, string path)
    {
        var server = fixture.For("chat");
        var driver = ClientDriver.ByName(client);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Url, path))
        {
            Content = new StringContent("{\"model\":\"sim-small\",\n\"messages\": [}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.DemoKey);
        request.Headers.Add("x-goog-api-key", server.DemoKey);

        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        string message = driver.ErrorMessage(JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
        Assert.Contains("line 2", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("anthropic", "upstream")]
    [InlineData("chat", "estimated; method=utf8-bytes/4")]
    [InlineData("gemini", "estimated; method=utf8-bytes/4")]
    public async Task AnthropicCountTokens_IsForwardedOrALabelledEstimate(string upstream, string label)
    {
        var server = fixture.For(upstream);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Url, "v1/messages/count_tokens?beta=true"))
        {
            Content = new StringContent("""{"model":"sim-small","messages":[{"role":"user","content":"How many tokens are in this sentence, roughly?"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", server.DemoKey);
        request.Headers.Add("anthropic-version", "2023-06-01");

        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(label, response.Headers.GetValues("Warden-Token-Count").Single());
        Assert.True((long)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["input_tokens"]! > 0);
    }

    [Theory]
    [InlineData("gemini", "upstream")]
    [InlineData("anthropic", "estimated; method=utf8-bytes/4")]
    public async Task GeminiCountTokens_IsForwardedOrALabelledEstimate(string upstream, string label)
    {
        var server = fixture.For(upstream);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Url, "v1beta/models/sim-small:countTokens"))
        {
            Content = new StringContent("""{"contents":[{"role":"user","parts":[{"text":"How many tokens are in this sentence, roughly?"}]}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-goog-api-key", server.DemoKey);

        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(label, response.Headers.GetValues("Warden-Token-Count").Single());
        Assert.True((long)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["totalTokens"]! > 0);
    }

    [Fact]
    public async Task ModelLists_AnswerInBothShapes()
    {
        var server = fixture.For("chat");
        // A Bearer client without anthropic-version gets the merged list; one that speaks Anthropic (anthropic-version,
        // or x-api-key alone) gets Anthropic's own paged list, which ModelsEndpointTests covers.
        using var openAi = new HttpRequestMessage(HttpMethod.Get, new Uri(server.Url, "v1/models"));
        openAi.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", server.DemoKey);
        using var gemini = new HttpRequestMessage(HttpMethod.Get, new Uri(server.Url, "v1beta/models?key=" + Uri.EscapeDataString(server.DemoKey)));

        var merged = JsonNode.Parse(await (await server.Http.SendAsync(openAi)).Content.ReadAsStringAsync())!;
        var google = JsonNode.Parse(await (await server.Http.SendAsync(gemini)).Content.ReadAsStringAsync())!;

        var first = merged["data"]!.AsArray().First(m => (string?)m!["id"] == "sim-small")!;
        Assert.Equal("model", (string?)first["object"]);
        Assert.Equal("model", (string?)first["type"]);
        Assert.Equal("sim-small", (string?)first["display_name"]);
        Assert.False((bool)merged["has_more"]!);
        Assert.Contains(google["models"]!.AsArray(), m => (string?)m!["name"] == "models/sim-small");
    }

    [Fact]
    public async Task UnknownGeminiMethod_Is404InGeminisShape()
    {
        var server = fixture.For("gemini");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Url, "v1beta/models/sim-small:embedContent"))
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-goog-api-key", server.DemoKey);

        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("embedContent", ClientDriver.Gemini.ErrorMessage(JsonNode.Parse(await response.Content.ReadAsStringAsync())!), StringComparison.Ordinal);
    }
}
