using System.Net;
using System.Text;
using Warden.Server.Tests.Conformance;
using Warden.Server.Tests.Trust;

namespace Warden.Server.Tests.Hardening;

/// <summary>
/// Harmless hints real clients send were refused when the upstream speaks another protocol (issue 18): the Vercel AI
/// SDK's Anthropic provider sends <c>tools[].eager_input_streaming</c>, the Anthropic SDK's tool runner <c>thread</c>.
/// They only tune transport or keep the client's books, so they are left out and declared in the receipt's changes;
/// a field that changes the answer is still refused.
/// </summary>
public sealed class ClientHintRegressionTests(ConformanceFixture fixture) : IClassFixture<ConformanceFixture>
{
    private const string Tool = """{"name":"get_weather","description":"Weather for a city","input_schema":{"type":"object","properties":{"location":{"type":"string"}}},"eager_input_streaming":true}""";

    [Theory]
    [InlineData("chat")]
    [InlineData("responses")]
    [InlineData("gemini")]
    public async Task AnthropicTransportHints_ToAnotherProtocol_AreLeftOutAndDeclaredInTheReceipt(string upstream)
    {
        var server = fixture.For(upstream);
        var route = WireRoute.Find("anthropic", "v1/messages", false);
        byte[] body = route.Body("\"What is the weather in Paris?\"", extra: $$"""
            "tools":[{{Tool}}],"thread":{"id":"thread_1"}
            """);
        using var request = route.Request(server.DemoKey, body);

        using var response = await server.Http.SendAsync(request);
        byte[] received = await response.Content.ReadAsByteArrayAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, Encoding.UTF8.GetString(received));
        string jws = Assert.Single(response.Headers.GetValues("Warden-Receipt"));
        var claims = ReceiptWire.AssertVerifies(jws, await ReceiptWire.JwksAsync(server), body, received);
        Assert.Contains("left_out:anthropic.eager_input_streaming", claims.Changes);
        Assert.Contains("left_out:anthropic.thread", claims.Changes);
    }

    [Theory]
    [InlineData("chat")]
    [InlineData("gemini")]
    public async Task AnthropicFieldThatChangesTheAnswer_ToAnotherProtocol_IsStillRefused(string upstream)
    {
        var server = fixture.For(upstream);
        var route = WireRoute.Find("anthropic", "v1/messages", false);
        byte[] body = route.Body("\"hi\"", extra: """
            "mcp_servers":[{"type":"url","url":"https://mcp.example/sse","name":"x"}]
            """);
        using var request = route.Request(server.DemoKey, body);

        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("mcp_servers", WireRoute.ErrorMessage("anthropic", await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }
}
