using System.Net;
using System.Text.Json;

namespace Warden.Server.Tests.Simulator;

public sealed class SimulatorDialectAuthTests(SimulatorApiKeyFixture fixture) : IClassFixture<SimulatorApiKeyFixture>
{
    private const string Key = SimulatorApiKeyFixture.ApiKey;

    [Theory]
    [InlineData("x-api-key", Key)]
    [InlineData("Authorization", "Bearer " + Key)]
    public async Task Messages_KeyInEitherHeader_Returns200(string header, string value)
    {
        using var response = await SimulatorDialectCalls.PostAsync(fixture.Client, "messages", SimulatorDialectCalls.Anthropic("hi"), null, (header, value));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("x-api-key", "sk-wrong-key")]
    [InlineData("Authorization", "Bearer sk-wrong-key")]
    public async Task Messages_KeyMissingOrWrong_Returns401InAnthropicShape(string? header, string? value)
    {
        (string, string)[] headers = header is null ? [] : [(header, value!)];

        using var response = await SimulatorDialectCalls.PostAsync(fixture.Client, "messages", SimulatorDialectCalls.Anthropic("hi"), null, headers);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var body = JsonDocument.Parse(text);
        Assert.Equal("error", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("authentication_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.DoesNotContain("sk-wrong-key", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateContent_KeyInHeaderOrQuery_Returns200()
    {
        var url = fixture.Host.GeminiBaseUrl + "models/sim-small:generateContent";

        using var byHeader = await SimulatorDialectCalls.PostAsync(fixture.Client, url, SimulatorDialectCalls.Gemini("hi"), null, ("x-goog-api-key", Key));
        using var byQuery = await SimulatorDialectCalls.PostAsync(fixture.Client, url + "?key=" + Key, SimulatorDialectCalls.Gemini("hi"));

        Assert.Equal(HttpStatusCode.OK, byHeader.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byQuery.StatusCode);
    }

    [Fact]
    public async Task GenerateContent_KeyMissing_Returns401InGoogleShape()
    {
        using var response = await SimulatorDialectCalls.PostAsync(fixture.Client, fixture.Host.GeminiBaseUrl + "models/sim-small:generateContent", SimulatorDialectCalls.Gemini("hi"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("UNAUTHENTICATED", (await SimulatorDialectCalls.ReadErrorAsync(response)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task GenerateContent_KeyWrong_Returns400ApiKeyNotValid()
    {
        using var response = await SimulatorDialectCalls.PostAsync(
            fixture.Client, fixture.Host.GeminiBaseUrl + "models/sim-small:generateContent", SimulatorDialectCalls.Gemini("hi"), null, ("x-goog-api-key", "wrong"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID_ARGUMENT", (await SimulatorDialectCalls.ReadErrorAsync(response)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Responses_BearerRequired_XApiKeyIsNotEnough()
    {
        using var withBearer = await SimulatorDialectCalls.PostAsync(fixture.Client, "responses", SimulatorDialectCalls.Responses("hi"), null, ("Authorization", "Bearer " + Key));
        using var withXApiKey = await SimulatorDialectCalls.PostAsync(fixture.Client, "responses", SimulatorDialectCalls.Responses("hi"), null, ("x-api-key", Key));

        Assert.Equal(HttpStatusCode.OK, withBearer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withXApiKey.StatusCode);
        Assert.Equal("invalid_api_key", (await SimulatorDialectCalls.ReadErrorAsync(withXApiKey)).GetProperty("code").GetString());
    }
}
