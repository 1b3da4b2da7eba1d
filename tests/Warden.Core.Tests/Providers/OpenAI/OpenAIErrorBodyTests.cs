using System.Text;
using Warden.Core.Providers.OpenAI;

namespace Warden.Core.Tests.Providers.OpenAI;

public class OpenAIErrorBodyTests
{
    private static OpenAIErrorBody? TryRead(string json) => OpenAIErrorBody.TryRead(Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData("openai.error.400.json", "Simulated 400 from capture server", "invalid_request_error", null)]
    [InlineData("openai.error.429.json", "Simulated 429 from capture server", "rate_limit_exceeded", "rate_limit_exceeded")]
    [InlineData("openai.error.500.json", "Simulated 500 from capture server", "server_error", null)]
    [InlineData("openai.error.503.json", "Simulated 503 from capture server", "server_error", null)]
    public void TryRead_WireSample_ReadsAllFields(string sample, string message, string type, string? code)
    {
        var body = OpenAIErrorBody.TryRead(WireSample.Bytes(sample));

        Assert.Equal(new OpenAIErrorBody(message, type, null, code), body);
    }

    [Fact]
    public void TryRead_ParamAndStringCode_ReadsThem()
    {
        var body = TryRead("""
            {"error":{"message":"Invalid value for 'temperature'.","type":"invalid_request_error","param":"temperature","code":"invalid_value"}}
            """);

        Assert.Equal(new OpenAIErrorBody("Invalid value for 'temperature'.", "invalid_request_error", "temperature", "invalid_value"), body);
    }

    [Theory]
    [InlineData("""{"error":{"message":"m","code":400}}""", "400")]
    [InlineData("""{"error":{"message":"m","code":-1}}""", "-1")]
    [InlineData("""{"error":{"message":"m","code":1002}}""", "1002")]
    public void TryRead_NumericCode_ReadsItAsText(string json, string expectedCode)
    {
        var body = TryRead(json);

        Assert.NotNull(body);
        Assert.Equal("m", body.Message);
        Assert.Equal(expectedCode, body.Code);
    }

    [Theory]
    [InlineData("""{"error":{"message":"m","code":1.5}}""")]
    [InlineData("""{"error":{"message":"m","code":1e3}}""")]
    [InlineData("""{"error":{"message":"m","code":123456789012345678901234567890}}""")]
    public void TryRead_NonInt64NumericCode_DoesNotThrow(string json)
    {
        var body = TryRead(json);

        Assert.NotNull(body);
        Assert.Equal("m", body.Message);
    }

    [Theory]
    [InlineData("""{"error":{"message":"m","code":null}}""")]
    [InlineData("""{"error":{"message":"m","code":{"inner":"x"}}}""")]
    [InlineData("""{"error":{"message":"m","code":["x"]}}""")]
    [InlineData("""{"error":{"message":"m","code":true}}""")]
    public void TryRead_CodeNeitherStringNorNumber_CodeIsNullAndRestRead(string json)
    {
        var body = TryRead(json);

        Assert.NotNull(body);
        Assert.Equal("m", body.Message);
        Assert.Null(body.Code);
    }

    [Fact]
    public void TryRead_CodeObjectBeforeOtherFields_StillReadsThem()
    {
        var body = TryRead("""{"error":{"code":{"message":"inner"},"type":"t","message":"outer","param":"p"}}""");

        Assert.Equal(new OpenAIErrorBody("outer", "t", "p", null), body);
    }

    [Fact]
    public void TryRead_StringValuedError_ReadsItAsMessage()
    {
        var body = TryRead("""{"error":"The model `llama` does not exist.","object":"error"}""");

        Assert.Equal(new OpenAIErrorBody("The model `llama` does not exist.", null, null, null), body);
    }

    [Fact]
    public void TryRead_ErrorAfterOtherMembersAndUnknownNestedFields_ReadsOuterFields()
    {
        var body = TryRead("""
            {"object":"error","meta":{"error":{"message":"decoy"}},"error":{"details":{"message":"inner","type":"inner"},"message":"outer","type":"upstream_error","metadata":[1,{"param":"x"}]}}
            """);

        Assert.Equal(new OpenAIErrorBody("outer", "upstream_error", null, null), body);
    }

    [Fact]
    public void TryRead_NonStringMessageTypeParam_AreNull()
    {
        var body = TryRead("""{"error":{"message":{"text":"m"},"type":7,"param":["a"],"code":"c"}}""");

        Assert.Equal(new OpenAIErrorBody(null, null, null, "c"), body);
    }

    [Fact]
    public void TryRead_ChatCompletionSample_ReturnsNull()
    {
        Assert.Null(OpenAIErrorBody.TryRead(WireSample.Bytes("chat.json.text.json")));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"message":"m","type":"t"}""")]
    [InlineData("""{"error":null}""")]
    [InlineData("""{"error":42}""")]
    [InlineData("""{"error":[{"message":"m"}]}""")]
    [InlineData("""[{"error":{"message":"m"}}]""")]
    [InlineData("\"error\"")]
    public void TryRead_NonErrorJson_ReturnsNull(string json)
    {
        Assert.Null(TryRead(json));
    }

    [Theory]
    [InlineData("")]
    [InlineData("<html><body>502 Bad Gateway</body></html>")]
    [InlineData("upstream connect error or disconnect/reset before headers")]
    [InlineData("""{"error":{"message":"cut off""")]
    [InlineData("""{"error":{"message":"m",""")]
    [InlineData("""{"error" """)]
    public void TryRead_Garbage_ReturnsNull(string text)
    {
        Assert.Null(TryRead(text));
    }

    [Fact]
    public void TryRead_InvalidUtf8InMessage_DoesNotThrow()
    {
        byte[] json = [.. "{\"error\":{\"message\":\""u8, 0xC3, 0x28, .. "\",\"type\":\"t\"}}"u8];

        var exception = Record.Exception(() => OpenAIErrorBody.TryRead(json));

        Assert.Null(exception);
    }
}
