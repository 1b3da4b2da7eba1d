using System.Buffers;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Chat;
using Warden.Core.Dialects.Responses;

namespace Warden.Core.Tests.Dialects.Responses;

public class ResponsesStreamTests
{
    private static readonly string[] MandatoryEvents = ["response.created", "response.output_item.added", "response.output_item.done", "response.completed"];

    [Fact]
    public void Decode_ReasoningAndFunctionCallSample_FollowsTheDecoderContract()
    {
        var (events, completed) = ResponsesSamples.DecodeStream(WireSample.Bytes("responses.stream.reasoning+function_call.sse"));

        Assert.True(completed);
        var started = Assert.IsType<MessageStarted>(events[0]);
        Assert.Equal("resp_adfbdd74ddd1dc922142876f", started.Id);
        Assert.Equal("gpt-x", started.Model);
        Assert.Single(events.OfType<MessageStarted>());

        var blocks = events.OfType<BlockStarted>().ToList();
        Assert.Equal([0, 1], blocks.Select(b => b.Index));
        Assert.Equal(BlockKind.Reasoning, blocks[0].Kind);
        Assert.Equal("rs_6fa26255cc899d4ddd4638c9", blocks[0].ReasoningId);
        Assert.Equal(BlockKind.ToolCall, blocks[1].Kind);
        Assert.Equal("call_e604a1c3e9931fd0182a58c8", blocks[1].ToolCallId);
        Assert.Equal("exec_command", blocks[1].ToolName);

        var reasoning = events.OfType<ReasoningDelta>().ToList();
        Assert.Equal("**Thinking** briefly.", string.Concat(reasoning.Select(r => r.Text)));
        Assert.Equal("ZW5jcnlwdGVkLXJlYXNvbmluZy1wbGFjZWhvbGRlcg==", Assert.Single(reasoning, r => r.EncryptedContent is not null).EncryptedContent);
        Assert.Equal("{\"cmd\":\"echo hello-from-tool\"}", string.Concat(events.OfType<ToolArgumentsDelta>().Select(a => a.Json)));
        Assert.Equal(StopReason.ToolUse, Assert.Single(events.OfType<MessageFinished>()).Reason);
        Assert.Equal(new Usage(12, 7, 0, null, 0, UsageSource.Reported), events.OfType<UsageReported>().Last().Usage);
        AssertOneBlockOpenAtATime(events);
    }

    [Fact]
    public void Decode_StreamCutBeforeCompleted_ReportsACutStream()
    {
        var decoder = ResponsesCodec.Instance.CreateStreamDecoder();
        var sink = new List<StreamEvent>();
        foreach (var (type, data) in ResponsesSamples.SampleEvents("responses.stream.text.sse").Where(e => e.Type != "response.completed"))
        {
            Assert.True(decoder.Decode(type, System.Text.Encoding.UTF8.GetBytes(data), sink));
        }

        Assert.False(decoder.Complete(sink));
        Assert.Empty(sink.OfType<MessageFinished>());
    }

    [Fact]
    public void Decode_NotJson_ReturnsFalse()
    {
        Assert.False(ResponsesCodec.Instance.CreateStreamDecoder().Decode("message", "{oops"u8, []));
    }

    [Fact]
    public void Decode_StringThatIsNotUtf8_ReturnsFalse_NotThrown()
    {
        byte[] data = [.. "{\"type\":\"response.created\",\"response\":{\"id\":\"resp_"u8, 0xC3, 0x28, .. "\",\"model\":\"m\"}}"u8];

        Assert.False(ResponsesCodec.Instance.CreateStreamDecoder().Decode("response.created", data, []));
    }

    [Theory]
    [InlineData("responses.stream.text.sse")]
    [InlineData("responses.stream.reasoning+function_call.sse")]
    public void DecodeThenEncode_SameItemsTextArgumentsAndUsage_WithMandatoryEventsInOrder(string sample)
    {
        var (events, _) = ResponsesSamples.DecodeStream(WireSample.Bytes(sample));
        var request = ResponsesSamples.DecodeJson("{\"model\":\"gpt-x\",\"input\":\"hi\",\"stream\":true}");

        byte[] sse = ResponsesSamples.EncodeStream(new ResponsesStreamEncoder(request, WireDialectName.Responses), events);

        var produced = ResponsesSamples.Events(sse);
        var expected = ResponsesSamples.SampleEvents(sample);
        foreach (string type in MandatoryEvents)
        {
            Assert.Contains(produced, e => e.Type == type);
        }

        Assert.Equal("response.created", produced[0].Type);
        Assert.Equal("response.completed", produced[^1].Type);
        AssertSequenceNumbersIncrease(produced);
        Assert.Equal(
            expected.Count(e => e.Type == "response.output_item.done"),
            produced.Count(e => e.Type == "response.output_item.done"));

        // Every item of the final response equals the upstream's (reasoning byte for byte, id included); message and function_call item ids are Warden's own.
        using var expectedFinal = JsonDocument.Parse(expected[^1].Data);
        using var producedFinal = JsonDocument.Parse(produced[^1].Data);
        var expectedItems = expectedFinal.RootElement.GetProperty("response").GetProperty("output").EnumerateArray().ToList();
        var producedItems = producedFinal.RootElement.GetProperty("response").GetProperty("output").EnumerateArray().ToList();
        Assert.Equal(expectedItems.Count, producedItems.Count);
        foreach (var (e, p) in expectedItems.Zip(producedItems))
        {
            Assert.Equal(e.GetProperty("type").GetString(), p.GetProperty("type").GetString());
            switch (e.GetProperty("type").GetString())
            {
                case "message":
                    Assert.Equal(e.GetProperty("content")[0].GetProperty("text").GetString(), p.GetProperty("content")[0].GetProperty("text").GetString());
                    break;
                case "function_call":
                    foreach (string member in new[] { "call_id", "name", "arguments", "status" })
                    {
                        Assert.Equal(e.GetProperty(member).GetString(), p.GetProperty(member).GetString());
                    }

                    break;
                default:
                    ResponsesSamples.AssertJsonEquivalent(e, p);
                    break;
            }
        }

        ResponsesSamples.AssertJsonEquivalent(expectedFinal.RootElement.GetProperty("response").GetProperty("usage"), producedFinal.RootElement.GetProperty("response").GetProperty("usage"));

        // Each output_item.done carries the same complete item as the final response.
        var doneItems = produced.Where(e => e.Type == "response.output_item.done").Select(e => JsonDocument.Parse(e.Data)).ToList();
        for (int i = 0; i < doneItems.Count; i++)
        {
            Assert.Equal(i, doneItems[i].RootElement.GetProperty("output_index").GetInt32());
            ResponsesSamples.AssertJsonEquivalent(producedItems[i], doneItems[i].RootElement.GetProperty("item"));
            doneItems[i].Dispose();
        }

        // Decoding Warden's own stream gives the same canonical events (blocks, text, arguments, usage).
        var (again, completed) = ResponsesSamples.DecodeStream(sse);
        Assert.True(completed);
        Assert.Equal(events.Where(e => e is not MessageStarted), again.Where(e => e is not MessageStarted));
    }

    [Fact]
    public void Encode_TextStream_DeltasCarryItemIdOutputAndContentIndex()
    {
        var request = ResponsesSamples.DecodeJson("{\"model\":\"m\",\"input\":\"hi\"}");
        StreamEvent[] events =
        [
            new MessageStarted("chatcmpl-abc", "qwen", null), new BlockStarted(0, BlockKind.Text), new TextDelta(0, "Hel"), new TextDelta(0, "lo"),
            new BlockStopped(0), new MessageFinished(StopReason.MaxTokens), new UsageReported(new Usage(5, 2, null, null, null, UsageSource.Reported)),
        ];

        var produced = ResponsesSamples.Events(ResponsesSamples.EncodeStream(new ResponsesStreamEncoder(request), events));

        Assert.Equal(
            ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
             "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.incomplete"],
            produced.Select(e => e.Type));
        AssertSequenceNumbersIncrease(produced);
        using var delta = JsonDocument.Parse(produced[4].Data);
        Assert.Equal("msg_abc_0", delta.RootElement.GetProperty("item_id").GetString());
        Assert.Equal(0, delta.RootElement.GetProperty("output_index").GetInt32());
        Assert.Equal(0, delta.RootElement.GetProperty("content_index").GetInt32());
        using var final = JsonDocument.Parse(produced[^1].Data);
        var response = final.RootElement.GetProperty("response");
        Assert.Equal("resp_abc", response.GetProperty("id").GetString());
        Assert.Equal("incomplete", response.GetProperty("status").GetString());
        Assert.Equal("max_output_tokens", response.GetProperty("incomplete_details").GetProperty("reason").GetString());
        Assert.Equal("Hello", response.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(7, response.GetProperty("usage").GetProperty("total_tokens").GetInt64());
    }

    [Fact]
    public void Encode_ForeignReasoningAndNamespacedCall_WrapsSignatureAndSplitsName()
    {
        var request = ResponsesSamples.Decode("codex.tool.00.json");
        StreamEvent[] events =
        [
            new MessageStarted("msg_01X", "claude", null),
            new BlockStarted(0, BlockKind.Reasoning), new ReasoningDelta(0, "think"), new ReasoningDelta(0, null, "U0lH"), new BlockStopped(0),
            new BlockStarted(1, BlockKind.ToolCall, "toolu_1", "multi_agent_v1__wait_agent"), new ToolArgumentsDelta(1, "{}"), new BlockStopped(1),
            new MessageFinished(StopReason.ToolUse),
        ];

        var produced = ResponsesSamples.Events(ResponsesSamples.EncodeStream(new ResponsesStreamEncoder(request, WireDialectName.Anthropic), events));

        var done = produced.Where(e => e.Type == "response.output_item.done").Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("item")).ToList();
        Assert.Equal("think", done[0].GetProperty("summary")[0].GetProperty("text").GetString());
        Assert.True(ReasoningEnvelope.TryUnwrap(done[0].GetProperty("encrypted_content").GetString(), "think", out var block));
        Assert.Equal(WireDialectName.Anthropic, block.Origin);
        Assert.Equal("U0lH", block.Signature);
        Assert.Equal("multi_agent_v1", done[1].GetProperty("namespace").GetString());
        Assert.Equal("wait_agent", done[1].GetProperty("name").GetString());
        Assert.Equal("toolu_1", done[1].GetProperty("call_id").GetString());
        Assert.Contains(produced, e => e.Type == "response.reasoning_summary_text.delta");
        Assert.Equal("response.completed", produced[^1].Type);
    }

    [Fact]
    public void Fail_AfterOutput_WritesResponseFailedWithCodeAndMessage_AndNothingAfter()
    {
        var request = ResponsesSamples.DecodeJson("{\"model\":\"m\",\"input\":\"hi\"}");
        var encoder = new ResponsesStreamEncoder(request);
        var output = new ArrayBufferWriter<byte>();
        encoder.Write(new MessageStarted("resp_1", "m", null), output);
        encoder.Write(new BlockStarted(0, BlockKind.Text), output);
        encoder.Write(new TextDelta(0, "par"), output);

        encoder.Fail(new ClientError(502, ClientErrorKind.UpstreamFailed, "The upstream connection broke."), output);
        encoder.Complete(output);

        var produced = ResponsesSamples.Events(output.WrittenSpan);
        Assert.Equal("response.failed", produced[^1].Type);
        AssertSequenceNumbersIncrease(produced);
        using var doc = JsonDocument.Parse(produced[^1].Data);
        var response = doc.RootElement.GetProperty("response");
        Assert.Equal("failed", response.GetProperty("status").GetString());
        Assert.Equal("server_error", response.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("The upstream connection broke.", response.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public void Decode_ResponseFailed_BecomesStreamFailed()
    {
        var decoder = new ResponsesStreamDecoder();
        var sink = new List<StreamEvent>();

        Assert.True(decoder.Decode("response.failed", """{"type":"response.failed","sequence_number":3,"response":{"id":"resp_1","model":"m","status":"failed","error":{"code":"rate_limit_exceeded","message":"slow down"}}}"""u8, sink));

        Assert.True(decoder.Complete(sink));
        var failed = Assert.IsType<StreamFailed>(sink[^1]);
        Assert.Equal(Warden.Core.Providers.UpstreamErrorKind.RateLimited, failed.Kind);
        Assert.Equal("slow down", failed.Message);
    }

    [Fact]
    public void Decode_MessageItemWithoutDeltas_TakesTextFromTheFinishedItem()
    {
        var decoder = new ResponsesStreamDecoder();
        var sink = new List<StreamEvent>();

        decoder.Decode("message", """{"type":"response.created","response":{"id":"resp_1","model":"m","status":"in_progress"}}"""u8, sink);
        decoder.Decode("message", """{"type":"response.output_item.added","output_index":0,"item":{"id":"msg_1","type":"message","role":"assistant","content":[]}}"""u8, sink);
        decoder.Decode("message", """{"type":"response.output_item.done","output_index":0,"item":{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"output_text","text":"whole"}]}}"""u8, sink);
        decoder.Decode("message", """{"type":"response.completed","response":{"id":"resp_1","model":"m","status":"completed","output":[]}}"""u8, sink);

        Assert.True(decoder.Complete(sink));
        Assert.Equal("whole", Assert.Single(sink.OfType<TextDelta>()).Text);
        Assert.Equal(StopReason.EndTurn, Assert.Single(sink.OfType<MessageFinished>()).Reason);
    }

    private static void AssertSequenceNumbersIncrease(List<(string Type, string Data)> events)
    {
        long previous = -1;
        foreach (var (type, data) in events)
        {
            using var doc = JsonDocument.Parse(data);
            Assert.Equal(type, doc.RootElement.GetProperty("type").GetString());
            long sequence = doc.RootElement.GetProperty("sequence_number").GetInt64();
            Assert.True(sequence == previous + 1, $"{type}: sequence {sequence} after {previous}");
            previous = sequence;
        }
    }

    private static void AssertOneBlockOpenAtATime(List<StreamEvent> events)
    {
        int? open = null;
        foreach (var e in events)
        {
            switch (e)
            {
                case BlockStarted started:
                    Assert.Null(open);
                    open = started.Index;
                    break;
                case BlockStopped stopped:
                    Assert.Equal(open, stopped.Index);
                    open = null;
                    break;
                case TextDelta or ReasoningDelta or ToolArgumentsDelta:
                    Assert.NotNull(open);
                    break;
                default:
                    break;
            }
        }

        Assert.Null(open);
    }
}
