using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Warden.Server.Tests.Simulator;

public sealed class SimulatorAuthTests(SimulatorApiKeyFixture fixture) : IClassFixture<SimulatorApiKeyFixture>
{
    [Theory]
    [InlineData(null)]
    [InlineData("Bearer sk-wrong-key")]
    [InlineData("Basic c2stc2ltLXRlc3Qta2V5")]
    public async Task ChatCompletions_ApiKeyRequiredButMissingOrWrong_Returns401OpenAiError(string? authorization)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "chat/completions")
        {
            Content = new StringContent(SimulatorCalls.Request("hi").ToJsonString()),
        };
        if (authorization is not null)
        {
            message.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await fixture.Client.SendAsync(message);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("simreq_", SimulatorCalls.ReadId(response), StringComparison.Ordinal);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_api_key", body.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain("sk-wrong-key", body.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletions_ApiKeyRequiredAndCorrect_Returns200()
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "chat/completions")
        {
            Content = new StringContent(SimulatorCalls.Request("hi").ToJsonString()),
        };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SimulatorApiKeyFixture.ApiKey);

        using var response = await fixture.Client.SendAsync(message);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Models_ApiKeyRequiredButMissing_Returns401()
    {
        using var response = await fixture.Client.GetAsync("models");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
