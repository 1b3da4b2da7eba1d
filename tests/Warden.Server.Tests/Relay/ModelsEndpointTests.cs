using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Warden.Server.Keys;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Relay;

public sealed class ModelsEndpointTests(WardenFixture fixture) : IClassFixture<WardenFixture>
{
    private WardenTestServer Server => fixture.Server;

    [Fact]
    public async Task ListModels_DemoKey_ListsEverySimulatorModelInOpenAIShape()
    {
        var models = await ListAsync(Server.DemoKey);
        Assert.Equal(["sim-embed", "sim-image", "sim-large", "sim-moderation", "sim-reasoner", "sim-rerank", "sim-small", "sim-tts", "sim-whisper"], models.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ListModels_KeyRestrictedToOneModel_ListsOnlyThatModel()
    {
        var issued = Server.App.Data.KeyIssuer.Issue("restricted", KeyRole.Client, ["sim-large"], null);
        Server.Reload();
        Assert.Equal(["sim-large"], await ListAsync(issued.Plaintext));
    }

    [Fact]
    public async Task ListModels_WithOpenAISdk_Parses()
    {
        var client = new OpenAI.Models.OpenAIModelClient(new System.ClientModel.ApiKeyCredential(Server.DemoKey), new OpenAI.OpenAIClientOptions { Endpoint = new Uri(Server.Url, "v1") });
        var models = (await client.GetModelsAsync()).Value;
        Assert.Contains(models, m => m.Id == "sim-small" && m.OwnedBy == "simulator");
    }

    [Fact]
    public async Task ListModels_WithoutKey_Returns401()
    {
        using var response = await Server.Http.GetAsync("v1/models");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await Requests.ErrorAsync(response);
    }

    [Fact]
    public async Task GetModel_WithOpenAISdk_ReturnsTheModel()
    {
        var client = new OpenAI.Models.OpenAIModelClient(new System.ClientModel.ApiKeyCredential(Server.DemoKey), new OpenAI.OpenAIClientOptions { Endpoint = new Uri(Server.Url, "v1") });
        var model = (await client.GetModelAsync("sim-small")).Value;
        Assert.Equal("sim-small", model.Id);
        Assert.Equal("simulator", model.OwnedBy);
        Assert.True(model.CreatedAt > DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public async Task GetModel_UnknownId_Returns404InOpenAIShape()
    {
        using var response = await GetAsync("v1/models/no-such-model", Server.DemoKey);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Contains("no-such-model", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetModel_ModelTheKeyMayNotUse_Returns404()
    {
        var issued = Server.App.Data.KeyIssuer.Issue("only-large", KeyRole.Client, ["sim-large"], null);
        Server.Reload();
        using (var allowed = await GetAsync("v1/models/sim-large", issued.Plaintext))
        {
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var hidden = await GetAsync("v1/models/sim-small", issued.Plaintext);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
    }

    [Fact]
    public async Task GetModel_WithoutKey_Returns401()
    {
        using var response = await Server.Http.GetAsync("v1/models/sim-small");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await Requests.ErrorAsync(response);
    }

    [Fact]
    public async Task AnthropicSdk_RetrieveAndListPages_InAnthropicShape()
    {
        var client = new Anthropic.AnthropicClient { ApiKey = Server.DemoKey, BaseUrl = Server.Url.ToString().TrimEnd('/'), MaxRetries = 0 };

        var model = await client.Models.Retrieve("sim-reasoner", new Anthropic.Models.Models.ModelRetrieveParams());
        Assert.Equal("sim-reasoner", model.ID);
        Assert.Equal("sim-reasoner", model.DisplayName);
        Assert.True(model.CreatedAt > DateTimeOffset.UnixEpoch);

        // Two to a page: the SDK follows has_more and last_id to the end.
        var page = await client.Models.List(new Anthropic.Models.Models.ModelListParams { Limit = 2 });
        var ids = page.Items.Select(m => m.ID).ToList();
        Assert.Equal(2, ids.Count);
        Assert.True(page.HasNext());
        while (page.HasNext())
        {
            page = await page.Next();
            Assert.InRange(page.Items.Count, 1, 2);
            ids.AddRange(page.Items.Select(m => m.ID));
        }

        Assert.Equal(["sim-embed", "sim-image", "sim-large", "sim-moderation", "sim-reasoner", "sim-rerank", "sim-small", "sim-tts", "sim-whisper"], ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AnthropicClient_UnknownModel_Returns404InAnthropicShape()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/models/no-such-model");
        request.Headers.Add("x-api-key", Server.DemoKey);
        using var response = await Server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("error", root.GetProperty("type").GetString());
        Assert.Equal("not_found_error", root.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task AnthropicList_WithAnthropicVersion_IsAnthropicsShapeOnly()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/models?limit=1&after_id=sim-large");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Server.DemoKey);
        request.Headers.Add("anthropic-version", "2023-06-01");
        using var response = await Server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.False(root.TryGetProperty("object", out _));
        var item = Assert.Single(root.GetProperty("data").EnumerateArray());
        Assert.Equal("model", item.GetProperty("type").GetString());
        Assert.False(item.TryGetProperty("owned_by", out _));
        Assert.Equal(item.GetProperty("id").GetString(), root.GetProperty("first_id").GetString());
        Assert.Equal(item.GetProperty("id").GetString(), root.GetProperty("last_id").GetString());
    }

    [Fact]
    public async Task AnthropicList_LimitOutOfRange_Returns400InAnthropicShape()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/models?limit=0");
        request.Headers.Add("x-api-key", Server.DemoKey);
        using var response = await Server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("invalid_request_error", root.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task GeminiGetModel_KnownAndUnknown_InGeminiShape()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1beta/models/sim-small");
        request.Headers.Add("x-goog-api-key", Server.DemoKey);
        using var response = await Server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("models/sim-small", root.GetProperty("name").GetString());
        Assert.Contains("generateContent", root.GetProperty("supportedGenerationMethods").EnumerateArray().Select(m => m.GetString()));

        using var unknown = await Server.Http.GetAsync("v1beta/models/no-such-model?key=" + Server.DemoKey);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var error = JsonDocument.Parse(await unknown.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(404, error.GetProperty("code").GetInt32());
        Assert.Equal("NOT_FOUND", error.GetProperty("status").GetString());
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await Server.Http.SendAsync(request);
    }

    private async Task<List<string>> ListAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await Server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("list", root.GetProperty("object").GetString());
        return root.GetProperty("data").EnumerateArray().Select(m =>
        {
            Assert.Equal("model", m.GetProperty("object").GetString());
            Assert.True(m.GetProperty("created").GetInt64() > 0);
            return m.GetProperty("id").GetString()!;
        }).ToList();
    }
}
