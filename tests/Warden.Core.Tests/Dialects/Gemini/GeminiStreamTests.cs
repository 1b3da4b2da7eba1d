using System.Buffers;
using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Chat;
using Warden.Core.Dialects.Gemini;
using Warden.Core.Providers;
using static Warden.Core.Tests.Dialects.Gemini.GeminiTestSupport;

namespace Warden.Core.Tests.Dialects.Gemini;

public class GeminiStreamTests
{
    private static readonly CanonicalRequest Client = new() { Origin = WireDialectName.Gemini, Model = "gemini-x" };

    [Fact]
    public void TextSample_DecodesToDeltasAndReEncodesTheSameTextReasonAndUsage()
    {
        var (events, complete) = DecodeStream(WireSample.SseDataChunks("gemini.stream.text.sse"));

        Assert.True(complete);
        Assert.IsType<MessageStarted>(events[0]);
        Assert.Equal("Hi there!", string.Concat(events.OfType<TextDelta>().Select(d => d.Text)));
        Assert.Equal(StopReason.EndTurn, events.OfType<MessageFinished>().Single().Reason);
        Assert.Equal(new Usage(12, 7, null, null, null, UsageSource.Reported), events.OfType<UsageReported>().Last().Usage);
        Assert.Single(events.OfType<BlockStarted>());
        Assert.Single(events.OfType<BlockStopped>());

        var chunks = SseChunks(EncodeStream(GeminiCodec.Instance.CreateStreamEncoder(Client, sse: true), events));

        Assert.Equal("Hi there!", string.Concat(chunks.Select(Text)));
        var last = chunks[^1];
        Assert.Equal("STOP", last.GetProperty("candidates")[0].GetProperty("finishReason").GetString());
        Equivalent(Parse("""{"promptTokenCount":12,"candidatesTokenCount":7,"totalTokenCount":19}"""), last.GetProperty("usageMetadata"));
        Assert.All(chunks, c => Assert.Equal("gemini-x", c.GetProperty("modelVersion").GetString()));
    }

    [Fact]
    public void FunctionCallSample_IsOneWholeToolCall_AndReEncodesAsOneFunctionCallPart()
    {
        var (events, complete) = DecodeStream(WireSample.SseDataChunks("gemini.stream.functionCall.sse"));

        Assert.True(complete);
        var started = events.OfType<BlockStarted>().Single();
        Assert.Equal(BlockKind.ToolCall, started.Kind);
        Assert.Equal("run_shell_command", started.ToolName);
        Assert.Equal("call_run_shell_command_0", started.ToolCallId);
        Assert.Equal(StopReason.ToolUse, events.OfType<MessageFinished>().Single().Reason);

        var chunks = SseChunks(EncodeStream(GeminiCodec.Instance.CreateStreamEncoder(Client, sse: true), events));

        var call = chunks.SelectMany(Parts).Single(p => p.TryGetProperty("functionCall", out _)).GetProperty("functionCall");
        Assert.Equal("run_shell_command", call.GetProperty("name").GetString());
        Assert.Equal("echo hello-from-tool", call.GetProperty("args").GetProperty("command").GetString());
        Assert.Equal("STOP", chunks[^1].GetProperty("candidates")[0].GetProperty("finishReason").GetString());
    }

    [Fact]
    public void Encoder_ForeignEvents_BufferArgumentsAndWrapTheSignatureOnTheNextPart()
    {
        StreamEvent[] events =
        [
            new MessageStarted("msg_1", "claude-x", null),
            new BlockStarted(0, BlockKind.Reasoning),
            new ReasoningDelta(0, "Thinking"),
            new ReasoningDelta(0, null, "anthropic-sig"),
            new BlockStopped(0),
            new BlockStarted(1, BlockKind.ToolCall, "toolu_1", "f"),
            new ToolArgumentsDelta(1, """{"a":"""),
            new ToolArgumentsDelta(1, "1}"),
            new BlockStopped(1),
            new MessageFinished(StopReason.ToolUse),
            new UsageReported(new Usage(100, 50, 40, 10, 30, UsageSource.Reported)),
        ];

        var chunks = SseChunks(EncodeStream(GeminiCodec.Instance.CreateStreamEncoder(Client, sse: true, WireDialectName.Anthropic), events));

        Assert.Equal(3, chunks.Count);
        var thought = Parts(chunks[0]).Single();
        Assert.True(thought.GetProperty("thought").GetBoolean());
        var callPart = Parts(chunks[1]).Single();
        Assert.Equal(1, callPart.GetProperty("functionCall").GetProperty("args").GetProperty("a").GetInt32());
        Assert.True(ReasoningEnvelope.TryUnwrap(callPart.GetProperty("thoughtSignature").GetString(), null, out var unwrapped));
        Assert.Equal(WireDialectName.Anthropic, unwrapped.Origin);
        Assert.Equal("anthropic-sig", unwrapped.Signature);
        Equivalent(
            Parse("""{"promptTokenCount":100,"candidatesTokenCount":20,"totalTokenCount":150,"cachedContentTokenCount":40,"thoughtsTokenCount":30}"""),
            chunks[2].GetProperty("usageMetadata"));
    }

    [Fact]
    public void Decoder_ThoughtsAndSignatures_BecomeReasoningBlocks()
    {
        byte[][] chunks =
        [
            """{"candidates":[{"content":{"role":"model","parts":[{"text":"hmm","thought":true}]}}],"responseId":"r","modelVersion":"g"}"""u8.ToArray(),
            """{"candidates":[{"content":{"role":"model","parts":[{"text":"Hello","thoughtSignature":"c2ln"}]}}]}"""u8.ToArray(),
            """{"candidates":[{"content":{"role":"model","parts":[{"text":""}]},"finishReason":"MAX_TOKENS"}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":2,"thoughtsTokenCount":3}}"""u8.ToArray(),
        ];

        var (events, complete) = DecodeStream(chunks);

        Assert.True(complete);
        Assert.Equal([BlockKind.Reasoning, BlockKind.Reasoning, BlockKind.Text], events.OfType<BlockStarted>().Select(b => b.Kind));
        Assert.Equal([0, 1, 2], events.OfType<BlockStarted>().Select(b => b.Index));
        Assert.Equal(3, events.OfType<BlockStopped>().Count());
        Assert.Equal("c2ln", events.OfType<ReasoningDelta>().Single(d => d.Signature is not null).Signature);
        Assert.Equal(StopReason.MaxTokens, events.OfType<MessageFinished>().Single().Reason);
        Assert.Equal(new Usage(5, 5, null, null, 3, UsageSource.Reported), events.OfType<UsageReported>().Single().Usage);
    }

    [Fact]
    public void Decoder_WithoutFinishReason_IsACutStream()
    {
        var (_, complete) = DecodeStream([WireSample.SseDataChunks("gemini.stream.text.sse")[0]]);

        Assert.False(complete);
    }

    [Fact]
    public void Decoder_ErrorChunk_IsAStreamFailure()
    {
        var decoder = GeminiCodec.Instance.CreateStreamDecoder();
        var events = new List<StreamEvent>();

        Assert.True(decoder.Decode("message", WireSample.Bytes("gemini.error.429.json"), events));
        Assert.False(decoder.Decode("message", "not json"u8, events));

        var failed = Assert.IsType<StreamFailed>(events.Single());
        Assert.Equal(UpstreamErrorKind.RateLimited, failed.Kind);
        Assert.Equal("Simulated 429 from capture server", failed.Message);
    }

    [Theory]
    [InlineData("""{"candidates":[1]}""")]
    [InlineData("""{"candidates":[{"content":{"parts":{}}}]}""")]
    [InlineData("""[{"candidates":[]}]""")]
    public void Decoder_WrongShape_IsRefused(string chunk)
    {
        var decoder = GeminiCodec.Instance.CreateStreamDecoder();

        Assert.False(decoder.Decode("message", Encoding.UTF8.GetBytes(chunk), []));
    }

    [Fact]
    public void Decoder_TextThatIsNotUtf8_IsRefused_NotThrown()
    {
        byte[] chunk = [.. "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\""u8, 0xC3, 0x28, .. "\"}]}}]}"u8];

        Assert.False(GeminiCodec.Instance.CreateStreamDecoder().Decode("message", chunk, []));
    }

    [Fact]
    public void ArrayForm_WhenComplete_IsOneValidJsonArrayOfChunks()
    {
        var (events, _) = DecodeStream(WireSample.SseDataChunks("gemini.stream.text.sse"));

        string written = EncodeStream(GeminiCodec.Instance.CreateStreamEncoder(Client, sse: false), events);

        using var document = JsonDocument.Parse(written);
        Assert.Equal(JsonValueKind.Array, document.RootElement.ValueKind);
        var chunks = document.RootElement.EnumerateArray().ToList();
        Assert.Equal("Hi there!", string.Concat(chunks.Select(Text)));
        Assert.Equal("STOP", chunks[^1].GetProperty("candidates")[0].GetProperty("finishReason").GetString());
    }

    [Fact]
    public void ArrayForm_FailAfterOutput_EndsTheArrayWithAnErrorObject()
    {
        var encoder = GeminiCodec.Instance.CreateStreamEncoder(Client, sse: false);
        var output = new ArrayBufferWriter<byte>();
        encoder.Write(new MessageStarted("r", "g", null), output);
        encoder.Write(new BlockStarted(0, BlockKind.Text), output);
        encoder.Write(new TextDelta(0, "partial"), output);

        encoder.Fail(new ClientError(503, ClientErrorKind.Overloaded, "Upstream overloaded."), output);

        using var document = JsonDocument.Parse(output.WrittenMemory);
        var error = document.RootElement[1].GetProperty("error");
        Assert.Equal(503, error.GetProperty("code").GetInt32());
        Assert.Equal("UNAVAILABLE", error.GetProperty("status").GetString());
    }

    [Fact]
    public void SseForm_Fail_WritesAFinalErrorChunk()
    {
        var encoder = GeminiCodec.Instance.CreateStreamEncoder(Client);
        var output = new ArrayBufferWriter<byte>();
        encoder.Write(new MessageStarted("r", "g", null), output);

        encoder.Fail(new ClientError(429, ClientErrorKind.RateLimited, "Slow down."), output);

        var chunk = SseChunks(Encoding.UTF8.GetString(output.WrittenSpan)).Single();
        Assert.Equal("RESOURCE_EXHAUSTED", chunk.GetProperty("error").GetProperty("status").GetString());
    }
}
