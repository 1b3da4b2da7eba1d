using System.Buffers;
using System.Text;
using Warden.Core.Canonical;
using Warden.Core.Chat;
using Warden.Core.Dialects.Gemini;
using static Warden.Core.Tests.Dialects.Gemini.GeminiTestSupport;

namespace Warden.Core.Tests.Dialects.Gemini;

public class GeminiResponseTests
{
    private static readonly CanonicalRequest Client = new() { Origin = WireDialectName.Gemini, Model = "gemini-x" };

    [Fact]
    public void Decode_TextThatIsNotUtf8_IsRefused_NotThrown()
    {
        byte[] body = [.. "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\""u8, 0xC3, 0x28, .. "\"}]},\"finishReason\":\"STOP\"}]}"u8];

        Assert.False(GeminiCodec.Instance.TryDecodeResponse(body, out _));
    }

    [Fact]
    public void Decode_TextSample_ReadsTextReasonUsageIdAndModel()
    {
        Assert.True(GeminiCodec.Instance.TryDecodeResponse(WireSample.Bytes("gemini.json.text.json"), out var response));

        Assert.Equal("Hi there!", Assert.IsType<TextBlock>(response.Content.Single()).Text);
        Assert.Equal(StopReason.EndTurn, response.StopReason);
        Assert.Equal("cdd85e081ead0ac5c08293be", response.Id);
        Assert.Equal("gemini-x", response.Model);
        Assert.Equal(new Usage(12, 7, null, null, null, UsageSource.Reported), response.Usage);
    }

    [Theory]
    [InlineData("gemini.json.text.json")]
    [InlineData("gemini.json.jsonmode-router.json")]
    public void SameDialect_EncodeOfDecode_IsStructurallyTheSample(string sample)
    {
        byte[] body = WireSample.Bytes(sample);
        Assert.True(GeminiCodec.Instance.TryDecodeResponse(body, out var response));
        var output = new ArrayBufferWriter<byte>();

        GeminiCodec.Instance.EncodeResponse(response, Client, output);

        Equivalent(Parse(body), Parse(output.WrittenMemory));
    }

    [Fact]
    public void Decode_FunctionCallWithStop_IsToolUseAndThoughtsAreReasoning()
    {
        const string Body = """
            {"candidates":[{"content":{"role":"model","parts":[{"text":"plan","thought":true},{"functionCall":{"name":"f","args":{"a":1}},"thoughtSignature":"c2ln"}]},"finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":100,"candidatesTokenCount":20,"thoughtsTokenCount":30,"cachedContentTokenCount":40,"totalTokenCount":150},"modelVersion":"gemini-2.5-pro","responseId":"r1"}
            """;

        Assert.True(GeminiCodec.Instance.TryDecodeResponse(Encoding.UTF8.GetBytes(Body), out var response));

        Assert.Equal(StopReason.ToolUse, response.StopReason);
        Assert.Equal("plan", Assert.IsType<ReasoningBlock>(response.Content[0]).Text);
        Assert.Equal("c2ln", Assert.IsType<ReasoningBlock>(response.Content[1]).Signature);
        var call = Assert.IsType<ToolCallBlock>(response.Content[2]);
        Assert.Equal("call_f_0", call.Id);
        Assert.Equal("""{"a":1}""", call.ArgumentsJson);
        Assert.Equal(new Usage(100, 50, 40, null, 30, UsageSource.Reported), response.Usage);
    }

    [Theory]
    [InlineData("SAFETY", StopReason.ContentFilter)]
    [InlineData("PROHIBITED_CONTENT", StopReason.ContentFilter)]
    [InlineData("MAX_TOKENS", StopReason.MaxTokens)]
    [InlineData("MALFORMED_FUNCTION_CALL", StopReason.Unknown)]
    public void Decode_FinishReasons_Map(string finishReason, StopReason expected)
    {
        string body = $$"""{"candidates":[{"content":{"role":"model","parts":[{"text":"x"}]},"finishReason":"{{finishReason}}"}]}""";

        Assert.True(GeminiCodec.Instance.TryDecodeResponse(Encoding.UTF8.GetBytes(body), out var response));

        Assert.Equal(expected, response.StopReason);
    }

    [Fact]
    public void Decode_NotAnAnswer_IsFalse()
    {
        Assert.False(GeminiCodec.Instance.TryDecodeResponse(WireSample.Bytes("gemini.error.429.json"), out _));
        Assert.False(GeminiCodec.Instance.TryDecodeResponse("[1]"u8, out _));
        Assert.False(GeminiCodec.Instance.TryDecodeResponse("{"u8, out _));
    }

    [Fact]
    public void Encode_ForeignReasoning_TravelsAsAThoughtAndAnEnvelopeOnTheNextPart_AndComesBack()
    {
        var answer = new CanonicalResponse("msg_1", "claude-x", [
            new ReasoningBlock("Let me think.", "anthropic-signature", null, null, null, WireDialectName.Anthropic),
            new ToolCallBlock("toolu_1", "f", """{"a":1}"""),
        ], StopReason.ToolUse, new Usage(10, 5, 2, 1, null, UsageSource.Reported));
        var output = new ArrayBufferWriter<byte>();

        GeminiCodec.Instance.EncodeResponse(answer, Client, output);

        var root = Parse(output.WrittenMemory);
        var parts = Parts(root).ToList();
        Assert.True(parts[0].GetProperty("thought").GetBoolean());
        Assert.Equal("Let me think.", parts[0].GetProperty("text").GetString());
        string signature = parts[1].GetProperty("thoughtSignature").GetString()!;
        Assert.StartsWith("wdn1.", signature, StringComparison.Ordinal);
        Assert.Equal("toolu_1", parts[1].GetProperty("functionCall").GetProperty("id").GetString());
        Assert.Equal("STOP", root.GetProperty("candidates")[0].GetProperty("finishReason").GetString());

        // The client echoes the model turn; the decoder gives the upstream its own signature back.
        string echoed = $$"""{"contents":[{"role":"model","parts":[{{parts[1].GetRawText()}}]}]}""";
        Assert.True(GeminiCodec.Instance.TryDecodeRequest(Encoding.UTF8.GetBytes(echoed), new RequestContext("m"), out var next, out _));
        var reasoning = Assert.IsType<ReasoningBlock>(next.Messages[0].Content[0]);
        Assert.Equal(WireDialectName.Anthropic, reasoning.Origin);
        Assert.Equal("anthropic-signature", reasoning.Signature);
    }
}
