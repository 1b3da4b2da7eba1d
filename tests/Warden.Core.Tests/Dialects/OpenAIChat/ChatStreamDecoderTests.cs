using System.Text;
using Warden.Core.Canonical;
using Warden.Core.Chat;
using Warden.Core.Dialects.OpenAIChat;
using Warden.Core.Providers;

namespace Warden.Core.Tests.Dialects.OpenAIChat;

/// <summary>
/// The Chat chunk decoder reads each chunk in one forward pass: these pin what it takes from a chunk whatever the order
/// of its members, which occurrence of a repeated member counts, and which chunks it refuses.
/// </summary>
public class ChatStreamDecoderTests
{
    private static readonly OpenAIChatCodec Codec = new(new ChatResponseCodecTests.FixedTime(1_800_000_000));

    [Fact]
    public void MemberOrder_DoesNotChangeTheEvents()
    {
        const string InOrder = """{"id":"c1","model":"m","choices":[{"index":0,"delta":{"reasoning_content":"r","content":"t","tool_calls":[{"index":0,"id":"call_1","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":3,"completion_tokens":4}}""";
        const string Reversed = """{"usage":{"completion_tokens":4,"prompt_tokens":3},"choices":[{"finish_reason":"tool_calls","delta":{"tool_calls":[{"function":{"arguments":"{}","name":"f"},"id":"call_1","index":0}],"content":"t","reasoning_content":"r"},"index":0}],"model":"m","id":"c1"}""";

        var expected = Decode(InOrder);
        StreamEvent[] shape =
        [
            new MessageStarted("c1", "m", null),
            new BlockStarted(0, BlockKind.Reasoning),
            new ReasoningDelta(0, "r"),
            new BlockStopped(0),
            new BlockStarted(1, BlockKind.Text),
            new TextDelta(1, "t"),
            new BlockStopped(1),
            new BlockStarted(2, BlockKind.ToolCall, "call_1", "f"),
            new ToolArgumentsDelta(2, "{}"),
            new BlockStopped(2),
            new MessageFinished(StopReason.ToolUse),
            new UsageReported(new Usage(3, 4, null, null, null, UsageSource.Reported)),
        ];
        Assert.Equal(shape, expected);
        Assert.Equal(expected, Decode(Reversed));
    }

    [Fact]
    public void RepeatedMember_CountsItsLastOccurrence()
    {
        Assert.Equal(
            [new MessageStarted("second", "m", null), new BlockStarted(0, BlockKind.Text), new TextDelta(0, "b")],
            Decode("""{"id":"first","id":"second","model":"m","choices":[{"delta":{"content":"a","content":"b"}}]}"""));

        // A later "choices" replaces the earlier one, and a later "delta" replaces its choice's earlier delta.
        Assert.Equal(
            [new MessageStarted("c", "m", null), new BlockStarted(0, BlockKind.Text), new TextDelta(0, "kept")],
            Decode("""{"id":"c","model":"m","choices":[{"delta":{"content":"dropped"}}],"choices":[{"delta":{"content":"dropped too","tool_calls":[{"id":"x","function":{"name":"f"}}]},"delta":{"refusal":"kept"}}]}"""));

        // A usage that is repeated as null is no usage; an error repeated as null is no error.
        Assert.Equal([new MessageStarted("c", "m", null)], Decode("""{"id":"c","model":"m","usage":{"prompt_tokens":1},"usage":null,"error":"e","error":null}"""));
    }

    [Fact]
    public void IdAndModel_AreTakenFromTheFirstChunkOnly()
    {
        var decoder = Codec.CreateStreamDecoder();
        var events = new List<StreamEvent>();
        Assert.True(decoder.Decode("message", """{"id":"c1","model":"served-a","choices":[{"delta":{"content":"x"}}]}"""u8, events));
        Assert.True(decoder.Decode("message", """{"id":"c2","model":"served-b","choices":[{"delta":{"content":"y"}}]}"""u8, events));

        Assert.Equal(new MessageStarted("c1", "served-a", null), Assert.Single(events.OfType<MessageStarted>()));
        Assert.Equal(["x", "y"], events.OfType<TextDelta>().Select(d => d.Text));
    }

    [Theory]
    [InlineData("""{"error":{"message":"overloaded","type":"server_error"},"choices":[{"index":"bad"}]}""", "overloaded")]
    [InlineData("""{"error":{"code":500}}""", "The upstream reported an error in its stream.")]
    [InlineData("""{"choices":[],"error":"flat message"}""", "flat message")]
    public void ErrorChunk_IsOneStreamFailed_AndNothingElse(string chunk, string message)
    {
        Assert.Equal([new StreamFailed(UpstreamErrorKind.ServerError, message)], Decode(chunk));
    }

    [Fact]
    public void OnlyChoiceZero_IsRead()
    {
        Assert.Equal(
            [new MessageStarted("c", "m", null), new BlockStarted(0, BlockKind.Text), new TextDelta(0, "zero")],
            Decode("""{"id":"c","model":"m","choices":[{"delta":{"content":"one"},"finish_reason":"stop","index":1},"not a choice",{"delta":{"content":"zero"},"index":0}]}"""));

        // An index that is a number but not an int counts as choice 0.
        Assert.Contains(new TextDelta(0, "x"), Decode("""{"choices":[{"index":1.5,"delta":{"content":"x"}}]}"""));
    }

    [Fact]
    public void ReasoningContent_IsPreferredOverReasoning_AndARefusalIsText()
    {
        Assert.Contains(new ReasoningDelta(0, "deepseek"), Decode("""{"choices":[{"delta":{"reasoning":"other","reasoning_content":"deepseek"}}]}"""));
        Assert.Contains(new ReasoningDelta(0, "openrouter"), Decode("""{"choices":[{"delta":{"reasoning_content":null,"reasoning":"openrouter"}}]}"""));

        // An empty reasoning_content is still the reasoning member: nothing is emitted, not the other one.
        Assert.DoesNotContain(Decode("""{"choices":[{"delta":{"reasoning_content":"","reasoning":"other"}}]}"""), e => e is ReasoningDelta);

        Assert.Contains(new TextDelta(0, "I can't help with that."), Decode("""{"choices":[{"delta":{"refusal":"I can't help with that."}}]}"""));
    }

    [Fact]
    public void ToolCall_WithoutIndex_IsNumberedByItsPosition()
    {
        var events = Decode("""{"choices":[{"delta":{"tool_calls":[{"id":"a","function":{"name":"f","arguments":"1"}},{"id":"b","function":{"name":"g","arguments":"2"}}]}}]}""");

        // Call 1 arrives while call 0 is open, so it is buffered and emitted whole when the stream completes.
        Assert.Equal(new BlockStarted(0, BlockKind.ToolCall, "a", "f"), events[1]);
        Assert.Equal(new ToolArgumentsDelta(0, "1"), events[2]);
        Assert.Equal(3, events.Count);
    }

    [Fact]
    public void UsageChunk_ReadsEachVendorsCacheField()
    {
        Assert.Equal(
            new UsageReported(new Usage(10, 5, 4, null, 2, UsageSource.Reported)),
            Decode("""{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2}}}""")[^1]);
        Assert.Equal(
            new UsageReported(new Usage(10, 5, 6, null, null, UsageSource.Reported)),
            Decode("""{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"prompt_cache_hit_tokens":6}}""")[^1]);
        Assert.Equal(
            new UsageReported(new Usage(10, 5, 7, null, null, UsageSource.Reported)),
            Decode("""{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"cached_tokens":7}}""")[^1]);
    }

    [Theory]
    [InlineData("""{"choices":[{"delta":{"content":"x"}}]""")] // cut short
    [InlineData("""{"choices":[{"delta":{"content":"x"}}]} trailing""")]
    [InlineData("""{"choices":[{"delta":{"content":"x"}}]}{"choices":[]}""")] // two values in one event
    [InlineData("""[{"choices":[]}]""")] // not an object
    [InlineData("""{"choices":[{"index":"0","delta":{"content":"x"}}]}""")] // a choice index that is not a number
    [InlineData("""{"choices":[{"index":null,"delta":{"content":"x"}}]}""")]
    [InlineData("""{"choices":[{"delta":{"content":"x","tool_calls":["call"]}}]}""")] // a tool call that is not an object
    [InlineData("""{"choices":[{"delta":{"content":"x","tool_calls":[{"index":"0","id":"a"}]}}]}""")]
    [InlineData("""{"choices":[{"delta":{"content":"x"},"extra":{"a":[1,}}]}""")] // malformed inside a skipped member
    public void MalformedChunk_IsRefused_WithoutEmittingAnything(string chunk)
    {
        var decoder = Codec.CreateStreamDecoder();
        var events = new List<StreamEvent>();

        Assert.False(decoder.Decode("message", Encoding.UTF8.GetBytes(chunk), events));

        Assert.Empty(events);
    }

    [Fact]
    public void StringThatIsNotUtf8_IsRefused()
    {
        byte[] chunk = [.. "{\"choices\":[{\"delta\":{\"content\":\""u8, 0xC3, 0x28, .. "\"}}]}"u8];
        var decoder = Codec.CreateStreamDecoder();

        Assert.False(decoder.Decode("message", chunk, []));
    }

    [Fact]
    public void BadChoiceOrCall_ThatIsNotChoiceZero_IsIgnored()
    {
        // Choice 1 is never read beyond its index, as translation only asks for one choice.
        Assert.Contains(new TextDelta(0, "ok"), Decode("""{"choices":[{"index":1,"delta":{"tool_calls":["not an object"]}},{"index":0,"delta":{"content":"ok"}}]}"""));
    }

    private static List<StreamEvent> Decode(string chunk)
    {
        var decoder = Codec.CreateStreamDecoder();
        var events = new List<StreamEvent>();
        Assert.True(decoder.Decode("message", Encoding.UTF8.GetBytes(chunk), events));
        return events;
    }
}
