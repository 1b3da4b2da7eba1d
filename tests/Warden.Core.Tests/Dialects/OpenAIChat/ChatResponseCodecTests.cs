using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Chat;
using Warden.Core.Dialects.OpenAIChat;

namespace Warden.Core.Tests.Dialects.OpenAIChat;

public class ChatResponseCodecTests
{
    private static readonly OpenAIChatCodec Codec = new(new FixedTime(1_800_000_000));

    [Fact]
    public void TextAnswer_DecodesAndEncodesBack()
    {
        byte[] sample = WireSample.Bytes("chat.json.text.json");
        Assert.True(Codec.TryDecodeResponse(sample, out var response));

        Assert.Equal("chatcmpl-a755b26c66640757f5f65812", response.Id);
        Assert.Equal("gpt-x", response.Model);
        Assert.Equal("Hi there!", Assert.IsType<TextBlock>(Assert.Single(response.Content)).Text);
        Assert.Equal(StopReason.EndTurn, response.StopReason);
        Assert.Equal(new Usage(12, 7, 0, null, 0, UsageSource.Reported), response.Usage);
        Assert.Equal(1795316195, response.Created);

        byte[] encoded = ChatTestJson.Written(o => Codec.EncodeResponse(response, ChatTestJson.Decode("""{"model":"gpt-x","messages":[]}"""), o));
        using var expected = JsonDocument.Parse(sample);
        using var actual = JsonDocument.Parse(encoded);
        var expectedRoot = expected.RootElement;
        var actualRoot = actual.RootElement;
        foreach (string name in new[] { "id", "object", "created", "model", "choices", "usage" })
        {
            ChatTestJson.AssertEquivalent(expectedRoot.GetProperty(name), actualRoot.GetProperty(name), name);
        }
    }

    [Fact]
    public void ToolCallAnswer_DecodesAndEncodesBack()
    {
        byte[] sample = WireSample.Bytes("chat.json.tool_calls.json");
        Assert.True(Codec.TryDecodeResponse(sample, out var response));

        var call = Assert.IsType<ToolCallBlock>(Assert.Single(response.Content));
        Assert.Equal(new ToolCallBlock("call_7f82ed83df342dd6299aed63", "get_weather", "{\"location\":\"Paris\"}"), call);
        Assert.Equal(StopReason.ToolUse, response.StopReason);

        byte[] encoded = ChatTestJson.Written(o => Codec.EncodeResponse(response, ChatTestJson.Decode("""{"model":"gpt-x","messages":[]}"""), o));
        using var expected = JsonDocument.Parse(sample);
        using var actual = JsonDocument.Parse(encoded);
        ChatTestJson.AssertEquivalent(expected.RootElement.GetProperty("choices"), actual.RootElement.GetProperty("choices"));
    }

    [Fact]
    public void ForeignAnswer_PutsReasoningTextInReasoningContent_AndMapsUsageAndReason()
    {
        var response = new CanonicalResponse(
            "msg_01",
            "claude-x",
            [new ReasoningBlock("let me think", "sig-opaque", null, null, null, WireDialectName.Anthropic), new TextBlock("answer"), new ToolCallBlock("toolu_1", "f", "{}")],
            StopReason.ToolUse,
            new Usage(1500, 300, 1000, 200, null, UsageSource.Reported));

        byte[] encoded = ChatTestJson.Written(o => Codec.EncodeResponse(response, ChatTestJson.Decode("""{"model":"alias","messages":[]}"""), o));

        using var document = JsonDocument.Parse(encoded);
        var root = document.RootElement;
        Assert.Equal("chatcmpl-msg_01", root.GetProperty("id").GetString());
        Assert.Equal("claude-x", root.GetProperty("model").GetString());
        Assert.Equal(1_800_000_000, root.GetProperty("created").GetInt64());
        var message = root.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal("answer", message.GetProperty("content").GetString());
        Assert.Equal("let me think", message.GetProperty("reasoning_content").GetString());
        Assert.DoesNotContain("sig-opaque", Encoding.UTF8.GetString(encoded), StringComparison.Ordinal);
        Assert.Equal("tool_calls", root.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        var usage = root.GetProperty("usage");
        Assert.Equal(1500, usage.GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(300, usage.GetProperty("completion_tokens").GetInt64());
        Assert.Equal(1800, usage.GetProperty("total_tokens").GetInt64());
        Assert.Equal(1000, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt64());
        Assert.False(usage.TryGetProperty("completion_tokens_details", out _));
    }

    [Fact]
    public void VendorAnswer_ReadsDeepSeekCacheHitsAndReasoningContent()
    {
        byte[] body = Encoding.UTF8.GetBytes("""
            {"id":"x","object":"chat.completion","created":1,"model":"deepseek-reasoner","choices":[{"index":0,
             "message":{"role":"assistant","content":"4","reasoning_content":"2+2"},"finish_reason":"length"}],
             "usage":{"prompt_tokens":100,"completion_tokens":50,"total_tokens":150,"prompt_cache_hit_tokens":64,"prompt_cache_miss_tokens":36,
                      "completion_tokens_details":{"reasoning_tokens":40}}}
            """);

        Assert.True(Codec.TryDecodeResponse(body, out var response));

        var reasoning = Assert.IsType<ReasoningBlock>(response.Content[0]);
        Assert.Equal("2+2", reasoning.Text);
        Assert.Equal(WireDialectName.OpenAIChat, reasoning.Origin);
        Assert.Equal("4", Assert.IsType<TextBlock>(response.Content[1]).Text);
        Assert.Equal(StopReason.MaxTokens, response.StopReason);
        Assert.Equal(new Usage(100, 50, 64, null, 40, UsageSource.Reported), response.Usage);
    }

    [Theory]
    [InlineData("stop", StopReason.EndTurn)]
    [InlineData("length", StopReason.MaxTokens)]
    [InlineData("tool_calls", StopReason.ToolUse)]
    [InlineData("function_call", StopReason.ToolUse)]
    [InlineData("content_filter", StopReason.ContentFilter)]
    [InlineData("insufficient_system_resource", StopReason.Unknown)]
    public void FinishReasons_MapToCanonical(string finishReason, StopReason expected) =>
        Assert.Equal(expected, ChatFinishReasons.ToCanonical(finishReason));

    [Theory]
    [InlineData(StopReason.EndTurn, "stop")]
    [InlineData(StopReason.StopSequence, "stop")]
    [InlineData(StopReason.MaxTokens, "length")]
    [InlineData(StopReason.ToolUse, "tool_calls")]
    [InlineData(StopReason.ContentFilter, "content_filter")]
    [InlineData(StopReason.Refusal, "content_filter")]
    [InlineData(StopReason.PauseTurn, "stop")]
    [InlineData(StopReason.Unknown, "stop")]
    public void FinishReasons_MapToChat(StopReason reason, string expected) =>
        Assert.Equal(expected, ChatFinishReasons.ToChat(reason));

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"id":"x","choices":[]}""")]
    [InlineData("""{"error":{"message":"bad"}}""")]
    public void InvalidAnswers_AreRejected(string body) =>
        Assert.False(Codec.TryDecodeResponse(Encoding.UTF8.GetBytes(body), out _));

    [Theory]
    [InlineData(ClientErrorKind.InvalidRequest, null, "invalid_request_error")]
    [InlineData(ClientErrorKind.Authentication, "invalid_api_key", "invalid_request_error")]
    [InlineData(ClientErrorKind.Permission, null, "permission_error")]
    [InlineData(ClientErrorKind.InsufficientCredit, null, "insufficient_quota")]
    [InlineData(ClientErrorKind.Internal, "internal_error", "server_error")]
    [InlineData(ClientErrorKind.RateLimited, "rate_limit_exceeded", "rate_limit_exceeded")]
    [InlineData(ClientErrorKind.UpstreamFailed, null, "upstream_error")]
    public void WriteError_UsesTheServersTypes(ClientErrorKind kind, string? code, string type)
    {
        byte[] json = ChatTestJson.Written(o => Codec.WriteError(new ClientError(400, kind, "It's wrong", "messages", code), "req_1", o));

        using var document = JsonDocument.Parse(json);
        var error = document.RootElement.GetProperty("error");
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Equal("It's wrong", error.GetProperty("message").GetString());
        Assert.Equal("messages", error.GetProperty("param").GetString());
        Assert.Contains("It's wrong", Encoding.UTF8.GetString(json), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadError_ReadsTheRecordedSample()
    {
        var detail = Codec.ReadError(WireSample.Bytes("openai.error.429.json"));

        Assert.NotNull(detail);
        Assert.False(string.IsNullOrEmpty(detail.Message));
        Assert.Null(Codec.ReadError("[]"u8));
    }

    /// <summary>A clock stopped at one Unix second.</summary>
    internal sealed class FixedTime(long unixSeconds) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeSeconds(unixSeconds);
    }
}
