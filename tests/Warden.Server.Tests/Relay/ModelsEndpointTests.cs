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
        Assert.Equal(["sim-large", "sim-reasoner", "sim-small"], models.Order(StringComparer.Ordinal));
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
