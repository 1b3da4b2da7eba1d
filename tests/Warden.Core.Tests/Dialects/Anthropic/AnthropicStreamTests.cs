using System.Buffers;
using System.Text;
using Warden.Core.Canonical;
using Warden.Core.Chat;
using Warden.Core.Dialects.Anthropic;
using Warden.Core.Providers;

namespace Warden.Core.Tests.Dialects.Anthropic;

public class AnthropicStreamTests
{
    private static readonly CanonicalRequest Request = new() { Origin = WireDialectName.Anthropic, Model = "claude-x", Stream = true };

    private static (List<StreamEvent> Events, bool Completed) DecodeSample(string name) =>
        AnthropicTestData.DecodeSse(AnthropicCodec.Instance.CreateStreamDecoder(), WireSample.Bytes(name));

    [Fact]
    public void ThinkingToolSample_DecodesToCanonicalEvents()
    {
        var (events, completed) = DecodeSample("anthropic.stream.thinking+tool_use.sse");

        Assert.True(completed);
        Assert.Equal(new MessageStarted("msg_ecfcb0f3293c796909142a66", "claude-x", new Usage(12, 1, 0, 0, null, UsageSource.Reported)), events[0]);
        Assert.Equal(new BlockStarted(0, BlockKind.Reasoning), events[1]);
        Assert.Equal(new ReasoningDelta(0, "Let me think briefly."), events[2]);
        Assert.Equal(new ReasoningDelta(0, null, "c2lnbmF0dXJlLXBsYWNlaG9sZGVy"), events[3]);
        Assert.Equal(new BlockStopped(0), events[4]);
        Assert.Equal("Running a tool.", string.Concat(events.OfType<TextDelta>().Select(d => d.Text)));
        Assert.Contains(new BlockStarted(2, BlockKind.ToolCall, "toolu_907d35dfeeefbb99050abd30", "Bash"), events);
        Assert.Equal("""{"command":"echo hello-from-tool","description":"Print a test string"}""", string.Concat(events.OfType<ToolArgumentsDelta>().Select(d => d.Json)));
        Assert.Equal(new MessageFinished(StopReason.ToolUse), events[^2]);
        Assert.Equal(new UsageReported(new Usage(12, 7, 0, 0, null, UsageSource.Reported)), events[^1]);
    }

    [Theory]
    [InlineData("anthropic.stream.text.sse")]
    [InlineData("anthropic.stream.thinking+tool_use.sse")]
    public void Samples_EncodedBack_MatchTheOriginalEventSequence(string sample)
    {
        var (events, _) = DecodeSample(sample);

        byte[] encoded = AnthropicTestData.Encode(AnthropicCodec.Instance.CreateStreamEncoder(Request), events);

        // ping and empty input_json_delta fragments say nothing, so they are not repeated.
        var original = AnthropicTestData.SseEvents(WireSample.Bytes(sample))
            .Where(e => e.Type != "ping" && !(e.Data.TryGetProperty("delta", out var d) && d.TryGetProperty("partial_json", out var p) && p.GetString() == string.Empty))
            .ToList();
        var produced = AnthropicTestData.SseEvents(encoded);
        Assert.Equal(original.Select(e => e.Type), produced.Select(e => e.Type));
        for (int i = 0; i < original.Count; i++)
        {
            var expected = original[i].Data;
            var actual = produced[i].Data;
            if (original[i].Type == "message_start")
            {
                // service_tier is Anthropic's bookkeeping; message_start reports output 0 until the end.
                Assert.Equal(expected.GetProperty("message").GetProperty("id").GetString(), actual.GetProperty("message").GetProperty("id").GetString());
                Assert.Equal(12, actual.GetProperty("message").GetProperty("usage").GetProperty("input_tokens").GetInt64());
                continue;
            }

            Assert.Null(AnthropicTestData.FirstDifference(expected, actual));
        }
    }

    [Fact]
    public void EncodedStream_DecodesAgain_ToTheSameEvents()
    {
        var (events, _) = DecodeSample("anthropic.stream.thinking+tool_use.sse");
        byte[] encoded = AnthropicTestData.Encode(AnthropicCodec.Instance.CreateStreamEncoder(Request), events);

        var (again, completed) = AnthropicTestData.DecodeSse(AnthropicCodec.Instance.CreateStreamDecoder(), encoded);

        Assert.True(completed);
        Assert.Equal(events.Skip(1), again.Skip(1));
    }

    [Fact]
    public void MidstreamError_BecomesStreamFailed()
    {
        var (events, completed) = DecodeSample("anthropic.stream.midstream-error.sse");

        Assert.False(completed);
        Assert.Contains(new StreamFailed(UpstreamErrorKind.Overloaded, "Simulated 529 from capture server"), events);
    }

    [Fact]
    public void CutStream_IsNotComplete_AndClosesTheOpenBlock()
    {
        var decoder = AnthropicCodec.Instance.CreateStreamDecoder();
        var events = new List<StreamEvent>();
        decoder.Decode("message_start", """{"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":1}}}"""u8, events);
        decoder.Decode("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""u8, events);

        Assert.False(decoder.Complete(events));
        Assert.Equal([new BlockStopped(0), new MessageFinished(StopReason.Unknown)], events[^2..]);
    }

    [Fact]
    public void NotJson_IsRefused()
    {
        Assert.False(AnthropicCodec.Instance.CreateStreamDecoder().Decode("message_start", "{oops"u8, []));
    }

    [Fact]
    public void StringThatIsNotUtf8_IsRefused_NotThrown()
    {
        byte[] data = [.. "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_"u8, 0xC3, 0x28, .. "\",\"model\":\"m\",\"usage\":{}}}"u8];

        Assert.False(AnthropicCodec.Instance.CreateStreamDecoder().Decode("message_start", data, []));
    }

    [Fact]
    public void ServerToolBlocks_AreSkipped_AndIndicesStayDense()
    {
        var decoder = AnthropicCodec.Instance.CreateStreamDecoder();
        var events = new List<StreamEvent>();
        decoder.Decode("message_start", """{"type":"message_start","message":{"id":"msg_1","model":"m","usage":{}}}"""u8, events);
        decoder.Decode("x", """{"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"s","name":"web_search","input":{}}}"""u8, events);
        decoder.Decode("x", """{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{}"}}"""u8, events);
        decoder.Decode("x", """{"type":"content_block_stop","index":0}"""u8, events);
        decoder.Decode("x", """{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"""u8, events);
        decoder.Decode("x", """{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"hi"}}"""u8, events);

        Assert.Equal([new BlockStarted(0, BlockKind.Text), new TextDelta(0, "hi")], events[1..]);
    }

    [Fact]
    public void ForeignStream_WrapsReasoningAtBlockStop_AndSendsUsageAtComplete()
    {
        var encoder = AnthropicCodec.CreateStreamEncoder(Request, WireDialectName.Responses);
        StreamEvent[] events =
        [
            new MessageStarted("resp_1", "gpt-x", null),
            new BlockStarted(0, BlockKind.Reasoning) { ReasoningId = "rs_1" },
            new ReasoningDelta(0, "think"),
            new ReasoningDelta(0, null, null, "enc-1"),
            new BlockStopped(0),
            new BlockStarted(1, BlockKind.ToolCall, "call_1", "f"),
            new ToolArgumentsDelta(1, "{\"a\":"),
            new ToolArgumentsDelta(1, "1}"),
            new BlockStopped(1),
            new MessageFinished(StopReason.ToolUse),
            new UsageReported(new Usage(100, 20, 40, null, 5, UsageSource.Reported)),
        ];

        var produced = AnthropicTestData.SseEvents(AnthropicTestData.Encode(encoder, events));

        Assert.Equal(
            ["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"],
            produced.Select(e => e.Type));
        Assert.Equal("msg_resp_1", produced[0].Data.GetProperty("message").GetProperty("id").GetString());
        Assert.Equal("gpt-x", produced[0].Data.GetProperty("message").GetProperty("model").GetString());
        var signature = produced[3].Data.GetProperty("delta");
        Assert.Equal("signature_delta", signature.GetProperty("type").GetString());
        Assert.True(ReasoningEnvelope.TryUnwrap(signature.GetProperty("signature").GetString(), "think", out var block));
        Assert.Equal((WireDialectName.Responses, "enc-1", "rs_1"), (block.Origin, block.EncryptedContent, block.Id));
        Assert.Equal(1, produced[5].Data.GetProperty("index").GetInt32());
        var delta = produced[9].Data;
        Assert.Equal("tool_use", delta.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(60, delta.GetProperty("usage").GetProperty("input_tokens").GetInt64());
        Assert.Equal(40, delta.GetProperty("usage").GetProperty("cache_read_input_tokens").GetInt64());
        Assert.Equal(20, delta.GetProperty("usage").GetProperty("output_tokens").GetInt64());
    }

    [Fact]
    public void Fail_WritesAnAnthropicErrorEvent_AndNothingAfter()
    {
        var encoder = AnthropicCodec.Instance.CreateStreamEncoder(Request);
        var output = new ArrayBufferWriter<byte>();
        encoder.Write(new MessageStarted("msg_1", "claude-x", null), output);

        encoder.Fail(new ClientError(529, ClientErrorKind.Overloaded, "busy"), output);
        encoder.Complete(output);

        var produced = AnthropicTestData.SseEvents(output.WrittenSpan.ToArray());
        Assert.Equal(["message_start", "error"], produced.Select(e => e.Type));
        Assert.Equal("overloaded_error", produced[1].Data.GetProperty("error").GetProperty("type").GetString());
        Assert.StartsWith("event: message_start\ndata: {", Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }
    [Theory]
    [InlineData("msg_01", false)]
    [InlineData("resp_01", true)]
    [InlineData("chatcmpl-01", true)]
    [InlineData("gemini-response-id", true)]
    public void UpstreamDialect_WhenNotGiven_IsRecognisedFromTheMessageId(string id, bool wrapped)
    {
        StreamEvent[] events =
        [
            new MessageStarted(id, "m", null),
            new BlockStarted(0, BlockKind.Reasoning),
            new ReasoningDelta(0, "t"),
            new ReasoningDelta(0, null, "sig-bytes"),
            new BlockStopped(0),
        ];

        var produced = AnthropicTestData.SseEvents(AnthropicTestData.Encode(AnthropicCodec.Instance.CreateStreamEncoder(Request), events));

        string signature = produced.Single(e => e.Type == "content_block_delta" && e.Data.GetProperty("delta").GetProperty("type").GetString() == "signature_delta")
            .Data.GetProperty("delta").GetProperty("signature").GetString()!;
        Assert.Equal(wrapped, ReasoningEnvelope.TryUnwrap(signature, "t", out var block));
        Assert.Equal(wrapped ? "sig-bytes" : signature, wrapped ? block.Signature : "sig-bytes");
    }

    [Fact]
    public void EventsWithoutMessageStarted_StillGiveAValidStream()
    {
        var produced = AnthropicTestData.SseEvents(AnthropicTestData.Encode(
            AnthropicCodec.CreateStreamEncoder(Request, WireDialectName.OpenAIChat),
            [new TextDelta(0, "ignored: no open block"), new BlockStarted(0, BlockKind.Text), new TextDelta(0, "hi"), new MessageFinished(StopReason.MaxTokens)]));

        Assert.Equal(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"], produced.Select(e => e.Type));
        Assert.Equal("claude-x", produced[0].Data.GetProperty("message").GetProperty("model").GetString());
        Assert.StartsWith("msg_", produced[0].Data.GetProperty("message").GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("max_tokens", produced[4].Data.GetProperty("delta").GetProperty("stop_reason").GetString());
    }
}
