using System.Buffers;
using Warden.Core.Canonical;
using Warden.Core.Dialects.Anthropic;

namespace Warden.Core.Tests.Dialects.Anthropic;

public class AnthropicErrorsTests
{
    [Theory]
    [InlineData(ClientErrorKind.InvalidRequest, 400, "invalid_request_error")]
    [InlineData(ClientErrorKind.Authentication, 401, "authentication_error")]
    [InlineData(ClientErrorKind.InsufficientCredit, 402, "billing_error")]
    [InlineData(ClientErrorKind.Permission, 403, "permission_error")]
    [InlineData(ClientErrorKind.NotFound, 404, "not_found_error")]
    [InlineData(ClientErrorKind.RequestTooLarge, 413, "request_too_large")]
    [InlineData(ClientErrorKind.RateLimited, 429, "rate_limit_error")]
    [InlineData(ClientErrorKind.Internal, 500, "api_error")]
    [InlineData(ClientErrorKind.UpstreamFailed, 502, "api_error")]
    [InlineData(ClientErrorKind.Overloaded, 529, "overloaded_error")]
    public void WriteError_HasAnthropicShape(ClientErrorKind kind, int status, string type)
    {
        var output = new ArrayBufferWriter<byte>();

        AnthropicCodec.Instance.WriteError(new ClientError(status, kind, "It's \"broken\" <here>."), "req_1", output);

        var root = AnthropicTestData.Parse(output.WrittenSpan);
        Assert.Equal(["type", "error", "request_id"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("error", root.GetProperty("type").GetString());
        Assert.Equal(type, root.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("It's \"broken\" <here>.", root.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("req_1", root.GetProperty("request_id").GetString());
        Assert.Contains("It's", System.Text.Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("anthropic.error.400.json", "invalid_request_error")]
    [InlineData("anthropic.error.401.json", "authentication_error")]
    [InlineData("anthropic.error.429.json", "rate_limit_error")]
    [InlineData("anthropic.error.500.json", "api_error")]
    [InlineData("anthropic.error.529.json", "overloaded_error")]
    public void ReadError_ReadsTheSamples(string sample, string type)
    {
        var detail = AnthropicCodec.Instance.ReadError(WireSample.Bytes(sample));

        Assert.NotNull(detail);
        Assert.Equal(type, detail.Type);
        Assert.StartsWith("Simulated", detail.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"type":"error"}""")]
    public void ReadError_UnreadableBodies_AreNull(string body)
    {
        Assert.Null(AnthropicCodec.Instance.ReadError(AnthropicTestData.Bytes(body)));
    }

    [Fact]
    public void WrittenError_ReadsBack()
    {
        var output = new ArrayBufferWriter<byte>();
        AnthropicCodec.Instance.WriteError(new ClientError(529, ClientErrorKind.Overloaded, "busy"), "req_2", output);

        var detail = AnthropicCodec.Instance.ReadError(output.WrittenSpan);

        Assert.Equal(new UpstreamErrorDetail("busy", "overloaded_error", null, null), detail);
    }
}
