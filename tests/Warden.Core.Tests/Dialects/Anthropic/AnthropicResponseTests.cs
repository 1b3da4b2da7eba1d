using System.Buffers;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Chat;
using Warden.Core.Dialects.Anthropic;

namespace Warden.Core.Tests.Dialects.Anthropic;

public class AnthropicResponseTests
{
    private static readonly CanonicalRequest Request = new() { Origin = WireDialectName.Anthropic, Model = "claude-x" };

    private static JsonElement Encode(CanonicalResponse response)
    {
        var output = new ArrayBufferWriter<byte>();
        AnthropicCodec.Instance.EncodeResponse(response, Request, output);
        return AnthropicTestData.Parse(output.WrittenSpan);
    }

    [Theory]
    [InlineData("anthropic.json.text.json")]
    [InlineData("anthropic.json.thinking+tool_use.json")]
    public void Samples_DecodeAndEncodeBack_Unchanged(string sample)
    {
        var bytes = WireSample.Bytes(sample);
        Assert.True(AnthropicCodec.Instance.TryDecodeResponse(bytes, out var response));

        var encoded = Encode(response);

        // service_tier is Anthropic's own bookkeeping and has no canonical place; everything else comes back.
        var expected = AnthropicTestData.Parse(bytes.AsSpan());
        Assert.Null(AnthropicTestData.FirstDifference(expected.GetProperty("content"), encoded.GetProperty("content")));
        Assert.Equal(expected.GetProperty("id").GetString(), encoded.GetProperty("id").GetString());
        Assert.Equal(expected.GetProperty("stop_reason").GetString(), encoded.GetProperty("stop_reason").GetString());
        Assert.Equal(JsonValueKind.Null, encoded.GetProperty("stop_sequence").ValueKind);
        foreach (string field in new[] { "input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens" })
        {
            Assert.Equal(expected.GetProperty("usage").GetProperty(field).GetInt64(), encoded.GetProperty("usage").GetProperty(field).GetInt64());
        }
    }

    [Fact]
    public void ThinkingToolSample_DecodesToCanonicalBlocks()
    {
        Assert.True(AnthropicCodec.Instance.TryDecodeResponse(WireSample.Bytes("anthropic.json.thinking+tool_use.json"), out var response));

        Assert.Equal(StopReason.ToolUse, response.StopReason);
        Assert.Equal("claude-x", response.Model);
        var reasoning = Assert.IsType<ReasoningBlock>(response.Content[0]);
        Assert.Equal("c2lnbmF0dXJlLXBsYWNlaG9sZGVy", reasoning.Signature);
        var call = Assert.IsType<ToolCallBlock>(response.Content[2]);
        Assert.Equal("""{"command":"echo hello-from-tool","description":"Print a test string"}""", call.ArgumentsJson);
        Assert.Equal(new Usage(12, 7, 0, 0, null, UsageSource.Reported), response.Usage);
    }

    [Fact]
    public void ForeignAnswer_GetsMsgId_WrappedReasoning_AndParsedToolInput()
    {
        var reasoning = new ReasoningBlock("thought", null, "enc", null, "rs_9", WireDialectName.Responses);
        var response = new CanonicalResponse("resp_123", "gpt-x", [reasoning, new TextBlock("ok"), new ToolCallBlock("call_1", "f", "")], StopReason.ToolUse, Usage.NotReported);

        var body = Encode(response);

        Assert.Equal("msg_resp_123", body.GetProperty("id").GetString());
        Assert.Equal("gpt-x", body.GetProperty("model").GetString());
        var thinking = body.GetProperty("content")[0];
        Assert.Equal("thought", thinking.GetProperty("thinking").GetString());
        Assert.True(ReasoningEnvelope.TryUnwrap(thinking.GetProperty("signature").GetString(), "thought", out var back));
        Assert.Equal((WireDialectName.Responses, "enc", "rs_9"), (back.Origin, back.EncryptedContent, back.Id));
        Assert.Equal(JsonValueKind.Object, body.GetProperty("content")[2].GetProperty("input").ValueKind);
        Assert.Equal("tool_use", body.GetProperty("stop_reason").GetString());
    }

    [Fact]
    public void Usage_IsWrittenInAnthropicSemantics()
    {
        var response = new CanonicalResponse("msg_1", "m", [new TextBlock("x")], StopReason.EndTurn, new Usage(1000, 50, 600, 300, 10, UsageSource.Reported));

        var usage = Encode(response).GetProperty("usage");

        Assert.Equal(100, usage.GetProperty("input_tokens").GetInt64());
        Assert.Equal(600, usage.GetProperty("cache_read_input_tokens").GetInt64());
        Assert.Equal(300, usage.GetProperty("cache_creation_input_tokens").GetInt64());
        Assert.Equal(50, usage.GetProperty("output_tokens").GetInt64());
    }

    [Theory]
    [InlineData("""{"type":"error","error":{"type":"api_error","message":"x"}}""")]
    [InlineData("""{"id":"msg_1","type":"message"}""")]
    [InlineData("""[1]""")]
    [InlineData("""{"content":[""")]
    public void NonAnswers_AreNotDecoded(string json)
    {
        Assert.False(AnthropicCodec.Instance.TryDecodeResponse(AnthropicTestData.Bytes(json), out _));
    }

    [Fact]
    public void CountTokensResponse_HasTheSampleShape()
    {
        var output = new ArrayBufferWriter<byte>();

        AnthropicCodec.WriteCountTokensResponse(42, output);

        Assert.Equal(WireSample.Bytes("anthropic.count_tokens.json").AsSpan().Trim("\n"u8).ToArray(), output.WrittenSpan.ToArray());
    }
}
