using System.Buffers;
using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Chat;
using Warden.Core.Dialects.Responses;

namespace Warden.Core.Tests.Dialects.Responses;

public class ResponsesUsageErrorInspectTests
{
    [Fact]
    public void Usage_Read_KeepsCanonicalMeaning_CachedAndReasoningAreSubsets()
    {
        using var doc = JsonDocument.Parse("""{"input_tokens":1000,"input_tokens_details":{"cached_tokens":600},"output_tokens":300,"output_tokens_details":{"reasoning_tokens":200},"total_tokens":1300}""");

        var usage = ResponsesUsage.Read(doc.RootElement);

        Assert.Equal(new Usage(1000, 300, 600, null, 200, UsageSource.Reported), usage);
    }

    [Fact]
    public void Usage_Write_FromAnthropicStyleCanonicalUsage_DoesNotDoubleCount()
    {
        // Canonical input already includes cache reads and writes (the Anthropic decoder added them up).
        var usage = new Usage(1500, 40, 1000, 200, null, UsageSource.Reported);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ResponsesUsage.Write(writer, usage);
        }

        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        Assert.Equal(1500, doc.RootElement.GetProperty("input_tokens").GetInt64());
        Assert.Equal(1000, doc.RootElement.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt64());
        Assert.Equal(0, doc.RootElement.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt64());
        Assert.Equal(1540, doc.RootElement.GetProperty("total_tokens").GetInt64());
    }

    [Theory]
    [InlineData(ClientErrorKind.InvalidRequest, "invalid_request_error")]
    [InlineData(ClientErrorKind.Authentication, "authentication_error")]
    [InlineData(ClientErrorKind.RateLimited, "rate_limit_error")]
    [InlineData(ClientErrorKind.InsufficientCredit, "insufficient_quota")]
    [InlineData(ClientErrorKind.Internal, "server_error")]
    public void WriteError_UsesOpenAIShape(ClientErrorKind kind, string type)
    {
        var output = new ArrayBufferWriter<byte>();

        ResponsesCodec.Instance.WriteError(new ClientError(400, kind, "Model 'x' can't be used.", "model", "model_not_found"), "req_1", output);

        using var doc = JsonDocument.Parse(output.WrittenMemory);
        Assert.Equal(["error"], doc.RootElement.EnumerateObject().Select(p => p.Name));
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("Model 'x' can't be used.", error.GetProperty("message").GetString());
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Contains("can't", Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadError_ReadsTheSampleErrorBody()
    {
        var detail = ResponsesCodec.Instance.ReadError(WireSample.Bytes("openai.error.400.json"));

        Assert.NotNull(detail);
        Assert.Equal("Simulated 400 from capture server", detail.Message);
        Assert.Equal("invalid_request_error", detail.Type);
        Assert.Null(detail.Param);
        Assert.Null(ResponsesCodec.Instance.ReadError("<html>"u8));
    }

    [Fact]
    public void TryInspect_CodexBody_ReadsModelAndStream()
    {
        Assert.True(ResponsesCodec.Instance.TryInspect(ResponsesSamples.Body("codex.tool.01.json"), RequestContext.Empty, out var facts, out var error));

        Assert.Null(error);
        Assert.Equal("gpt-5.1-codex", facts.Model);
        Assert.True(facts.Stream);
        Assert.Null(facts.MaxOutputTokens);
        Assert.Null(facts.IncludeUsage);
    }

    [Fact]
    public void TryInspect_ReadsMaxOutputTokens()
    {
        Assert.True(ResponsesCodec.Instance.TryInspect("{\"model\":\"m\",\"max_output_tokens\":512,\"input\":\"x\"}"u8, RequestContext.Empty, out var facts, out _));

        Assert.Equal(512, facts.MaxOutputTokens);
        Assert.False(facts.Stream);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("[1]", null)]
    [InlineData("{\"model\":\"m\"", null)]
    [InlineData("{\"model\":\"m\"} x", null)]
    [InlineData("{\"input\":\"x\"}", "model")]
    [InlineData("{\"model\":7}", "model")]
    public void TryInspect_InvalidBodies_AreRefused(string body, string? param)
    {
        Assert.False(ResponsesCodec.Instance.TryInspect(Encoding.UTF8.GetBytes(body), RequestContext.Empty, out _, out var error));

        Assert.NotNull(error);
        Assert.Equal(param, error.Param);
    }
}
