using System.Text;
using Warden.Core.Canonical;
using Warden.Core.Dialects.Anthropic;

namespace Warden.Core.Tests.Dialects.Anthropic;

/// <summary>
/// content_block_delta events are read in one forward pass, without a document: these pin what that pass takes from an
/// event whatever the order of its members, which occurrence of a repeated member counts, and which events it refuses.
/// </summary>
public class AnthropicStreamDeltaTests
{
    [Theory]
    [InlineData("""{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"hi"}}""")]
    [InlineData("""{"delta":{"text":"hi","type":"text_delta"},"index":1,"type":"content_block_delta"}""")]
    [InlineData("""{"index":1,"delta":{"type":"text_delta","text":"hi","extra":{"nested":[1,{"text":"no"}]}}}""")] // no type: the SSE event name decides
    [InlineData("""{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"dropped"},"delta":{"type":"text_delta","text":"hi"}}""")]
    [InlineData("""{"type":"content_block_delta","index":0,"index":1,"delta":{"type":"thinking_delta","type":"text_delta","thinking":"t","text":"hi"}}""")]
    public void TextDelta_IsReadWhateverTheMemberOrder(string data)
    {
        var (decoder, events) = Started();

        Assert.True(decoder.Decode("content_block_delta", Encoding.UTF8.GetBytes(data), events));

        Assert.Equal(new TextDelta(1, "hi"), Assert.Single(events));
    }

    [Fact]
    public void EachDeltaType_MapsToItsEvent()
    {
        var (decoder, events) = Started();
        Assert.True(decoder.Decode("x", """{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}"""u8, events));
        Assert.True(decoder.Decode("x", """{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"sig"}}"""u8, events));
        Assert.True(decoder.Decode("x", """{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}"""u8, events));

        // Empty pieces and unknown delta types say nothing; a text member under another type is not text.
        Assert.True(decoder.Decode("x", """{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":""}}"""u8, events));
        Assert.True(decoder.Decode("x", """{"type":"content_block_delta","index":1,"delta":{"type":"citations_delta","text":"c"}}"""u8, events));

        Assert.Equal(
            [new ReasoningDelta(0, "hmm"), new ReasoningDelta(0, null, "sig"), new ToolArgumentsDelta(2, "{\"a\":")],
            events);
    }

    [Fact]
    public void DeltaRepeatedWithoutAText_ForgetsTheEarlierText()
    {
        var (decoder, events) = Started();

        Assert.True(decoder.Decode("x", """{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"dropped"},"delta":{"type":"text_delta"}}"""u8, events));
        Assert.False(decoder.Decode("x", """{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"dropped"},"delta":null}"""u8, events));

        Assert.Empty(events);
    }

    [Fact]
    public void TypeThatIsNotADelta_GoesThroughTheFullEventPath()
    {
        var (decoder, events) = Started();

        // The SSE event name says delta, but the data's own type wins.
        Assert.True(decoder.Decode("content_block_delta", """{"type":"content_block_stop","index":2}"""u8, events));
        Assert.True(decoder.Decode("message_delta", """{"type":"ping","delta":{"type":"text_delta","text":"no"},"index":1}"""u8, events));

        Assert.Equal([new BlockStopped(2)], events);
    }

    [Theory]
    [InlineData("""{"type":"content_block_delta","index":9,"delta":{"type":"text_delta","text":"x"}}""")] // no such block
    [InlineData("""{"type":"content_block_delta","index":"1","delta":{"type":"text_delta","text":"x"}}""")]
    [InlineData("""{"type":"content_block_delta","delta":{"type":"text_delta","text":"x"}}""")]
    [InlineData("""{"type":"content_block_delta","index":1,"delta":"text"}""")]
    [InlineData("""{"type":"content_block_delta","index":1}""")]
    [InlineData("""{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"x"}""")] // cut short
    [InlineData("""{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"x"}} {}""")]
    [InlineData("""{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"x","extra":[1,]}}""")]
    public void MalformedDelta_IsRefused_WithoutEmittingAnything(string data)
    {
        var (decoder, events) = Started();

        Assert.False(decoder.Decode("content_block_delta", Encoding.UTF8.GetBytes(data), events));

        Assert.Empty(events);
    }

    [Fact]
    public void TextThatIsNotUtf8_IsRefused()
    {
        var (decoder, events) = Started();
        byte[] data = [.. "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\""u8, 0xC3, 0x28, .. "\"}}"u8];

        Assert.False(decoder.Decode("content_block_delta", data, events));
    }

    /// <summary>A decoder past message_start with three open-able blocks: thinking 0, text 1, tool call 2 (the sink is emptied).</summary>
    private static (IStreamDecoder Decoder, List<StreamEvent> Events) Started()
    {
        var decoder = AnthropicCodec.Instance.CreateStreamDecoder();
        var events = new List<StreamEvent>();
        Assert.True(decoder.Decode("message_start", """{"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":1}}}"""u8, events));
        Assert.True(decoder.Decode("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"""u8, events));
        Assert.True(decoder.Decode("content_block_start", """{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"""u8, events));
        Assert.True(decoder.Decode("content_block_start", """{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}}"""u8, events));
        events.Clear();
        return (decoder, events);
    }
}
