using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Chat;
using Warden.Core.Dialects.OpenAIChat;

namespace Warden.Core.Tests.Dialects.OpenAIChat;

public class ChatStreamTests
{
    private static readonly OpenAIChatCodec Codec = new(new ChatResponseCodecTests.FixedTime(1_800_000_000));

    [Theory]
    [InlineData("chat.stream.text+usage.sse")]
    [InlineData("chat.stream.tool_calls+usage.sse")]
    public void Sample_DecodedThenEncoded_GivesTheSameAnswer(string sample)
    {
        var events = DecodeSample(sample, out bool clean);
        Assert.True(clean);
        Assert.IsType<MessageStarted>(events[0]);

        var request = ChatTestJson.Decode("""{"model":"gpt-x","messages":[],"stream":true,"stream_options":{"include_usage":true}}""");
        string output = Encode(events, request);

        var expected = Assemble(ReadSse(File.ReadAllText(WireSample.PathOf(sample))));
        var actual = Assemble(ReadSse(output));
        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(expected.ToolCalls, actual.ToolCalls);
        Assert.Equal(expected.FinishReason, actual.FinishReason);
        Assert.Equal(expected.Usage, actual.Usage);
        Assert.True(actual.Done);
        Assert.Single(actual.Ids);
        Assert.Equal(expected.Ids, actual.Ids);
        Assert.Equal(["gpt-x"], actual.Models);
    }

    [Fact]
    public void ToolCallSample_DecodesToOneToolBlock()
    {
        var events = DecodeSample("chat.stream.tool_calls+usage.sse", out _);

        var started = Assert.Single(events.OfType<BlockStarted>());
        Assert.Equal(new BlockStarted(0, BlockKind.ToolCall, "call_6cc0672c7f7fa0cd0af8bd96", "get_weather"), started);
        Assert.Equal("{\"location\":\"Paris\"}", string.Concat(events.OfType<ToolArgumentsDelta>().Select(d => d.Json)));
        Assert.Equal(new MessageFinished(StopReason.ToolUse), Assert.Single(events.OfType<MessageFinished>()));
        Assert.Equal(new Usage(12, 7, 0, null, 0, UsageSource.Reported), events.OfType<UsageReported>().Last().Usage);
        Assert.Equal(new BlockStopped(0), events.OfType<BlockStopped>().Single());
    }

    [Fact]
    public void InterleavedToolCalls_AreBufferedSoOneBlockIsOpenAtATime()
    {
        var decoder = Codec.CreateStreamDecoder();
        var events = new List<StreamEvent>();
        string[] chunks =
        [
            """{"id":"c","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"ok"}}]}""",
            """{"id":"c","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"f","arguments":"{\"x\""}}]}}]}""",
            """{"id":"c","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"b","type":"function","function":{"name":"g","arguments":"{\"y\""}}]}}]}""",
            """{"id":"c","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]}}]}""",
            """{"id":"c","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":":2}"}}]}}]}""",
            """{"id":"c","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}""",
        ];
        foreach (string chunk in chunks)
        {
            Assert.True(decoder.Decode("message", Encoding.UTF8.GetBytes(chunk), events));
        }

        Assert.True(decoder.Complete(events)); // no [DONE], but a finish_reason was seen

        AssertContract(events);
        var calls = AssembleToolCalls(events);
        Assert.Equal([("a", "f", "{\"x\":1}"), ("b", "g", "{\"y\":2}")], calls);
    }

    [Fact]
    public void CutStream_CompleteReturnsFalse_AndStillFinishes()
    {
        var decoder = Codec.CreateStreamDecoder();
        var events = new List<StreamEvent>();
        Assert.True(decoder.Decode("message", """{"id":"c","model":"m","choices":[{"index":0,"delta":{"content":"Hel"}}]}"""u8, events));

        Assert.False(decoder.Complete(events));

        AssertContract(events);
        Assert.Equal(new MessageFinished(StopReason.Unknown), events[^1]);
        Assert.False(decoder.Decode("message", "{not json"u8, []));
    }

    [Fact]
    public void ReasoningContentDeltas_BecomeAReasoningBlockBeforeText()
    {
        var decoder = Codec.CreateStreamDecoder();
        var events = new List<StreamEvent>();
        decoder.Decode("message", """{"id":"c","model":"deepseek","choices":[{"index":0,"delta":{"role":"assistant","reasoning_content":"think"}}]}"""u8, events);
        decoder.Decode("message", """{"id":"c","model":"deepseek","choices":[{"index":0,"delta":{"content":"answer"},"finish_reason":"stop"}]}"""u8, events);
        decoder.Decode("message", "[DONE]"u8, events);
        Assert.True(decoder.Complete(events));

        AssertContract(events);
        Assert.Equal(new BlockStarted(0, BlockKind.Reasoning), events[1]);
        Assert.Equal(new ReasoningDelta(0, "think"), events[2]);
        Assert.Equal(new BlockStarted(1, BlockKind.Text), events[4]);
    }

    [Fact]
    public void ForeignEvents_WithoutMessageFinished_StillGetAFinishChunk()
    {
        var request = ChatTestJson.Decode("""{"model":"alias","messages":[],"stream":true}""");
        StreamEvent[] events =
        [
            new MessageStarted("msg_01", "claude-x", new Usage(20, null, null, null, null, UsageSource.Reported)),
            new BlockStarted(0, BlockKind.Reasoning),
            new ReasoningDelta(0, "hmm"),
            new ReasoningDelta(0, null, Signature: "opaque-sig"),
            new BlockStopped(0),
            new BlockStarted(1, BlockKind.Text),
            new TextDelta(1, "Hi"),
            new BlockStopped(1),
            new BlockStarted(2, BlockKind.ToolCall, "toolu_1", "f"),
            new ToolArgumentsDelta(2, "{\"a\""),
            new ToolArgumentsDelta(2, ":1}"),
            new BlockStopped(2),
        ];

        string output = Encode(events, request);

        var answer = Assemble(ReadSse(output));
        Assert.Equal("stop", answer.FinishReason);
        Assert.Equal("Hi", answer.Text);
        Assert.Equal("hmm", answer.Reasoning);
        Assert.Equal(["toolu_1|f|{\"a\":1}"], answer.ToolCalls);
        Assert.Null(answer.Usage); // the client did not ask for include_usage
        Assert.True(answer.Done);
        Assert.Equal(["chatcmpl-msg_01"], answer.Ids);
        Assert.DoesNotContain("opaque-sig", output, StringComparison.Ordinal);
        Assert.StartsWith("data: {", output, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", output, StringComparison.Ordinal);

        using var first = JsonDocument.Parse(ReadSse(output)[0]);
        var delta = first.RootElement.GetProperty("choices")[0].GetProperty("delta");
        Assert.Equal("assistant", delta.GetProperty("role").GetString());
        Assert.Equal(string.Empty, delta.GetProperty("content").GetString());
        Assert.Equal(1_800_000_000, first.RootElement.GetProperty("created").GetInt64());
    }

    [Fact]
    public void UsageChunk_MapsCanonicalUsage_WhenAsked()
    {
        var request = ChatTestJson.Decode("""{"model":"alias","messages":[],"stream":true,"stream_options":{"include_usage":true}}""");
        StreamEvent[] events =
        [
            new MessageStarted("msg", "m", null),
            new MessageFinished(StopReason.MaxTokens),
            new UsageReported(new Usage(1200, 80, 1000, 150, 30, UsageSource.Reported)),
        ];

        var answer = Assemble(ReadSse(Encode(events, request)));

        Assert.Equal("length", answer.FinishReason);
        Assert.Equal("1200/80/1280/1000/30", answer.Usage);
    }

    [Fact]
    public void Fail_WritesAnOpenAIErrorChunk_AndNothingAfter()
    {
        var encoder = Codec.CreateStreamEncoder(ChatTestJson.Decode("""{"model":"m","messages":[],"stream":true}"""));
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        encoder.Write(new MessageStarted("x", "m", null), buffer);
        encoder.Write(new BlockStarted(0, BlockKind.Text), buffer);
        encoder.Write(new TextDelta(0, "par"), buffer);

        encoder.Fail(new ClientError(502, ClientErrorKind.UpstreamFailed, "The upstream broke.", null, "upstream_stream_broken"), buffer);
        encoder.Complete(buffer);

        var data = ReadSse(Encoding.UTF8.GetString(buffer.WrittenSpan));
        using var last = JsonDocument.Parse(data[^1]);
        var error = last.RootElement.GetProperty("error");
        Assert.Equal("The upstream broke.", error.GetProperty("message").GetString());
        Assert.Equal("upstream_stream_broken", error.GetProperty("type").GetString());
        Assert.DoesNotContain("[DONE]", data);
        Assert.DoesNotContain(data, d => d.Contains("finish_reason\":\"", StringComparison.Ordinal));
    }

    private static List<StreamEvent> DecodeSample(string sample, out bool clean)
    {
        var decoder = Codec.CreateStreamDecoder();
        var events = new List<StreamEvent>();
        foreach (byte[] chunk in WireSample.SseDataChunks(sample))
        {
            Assert.True(decoder.Decode("message", chunk, events));
        }

        Assert.True(decoder.Decode("message", "[DONE]"u8, events));
        clean = decoder.Complete(events);
        AssertContract(events);
        return events;
    }

    private static string Encode(IEnumerable<StreamEvent> events, CanonicalRequest request)
    {
        var encoder = Codec.CreateStreamEncoder(request);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        foreach (var streamEvent in events)
        {
            encoder.Write(streamEvent, buffer);
        }

        encoder.Complete(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The decoder contract: one MessageStarted first, blocks numbered from 0, at most one open at a time.</summary>
    private static void AssertContract(List<StreamEvent> events)
    {
        Assert.IsType<MessageStarted>(events[0]);
        Assert.Single(events.OfType<MessageStarted>());
        int? open = null;
        int next = 0;
        foreach (var streamEvent in events)
        {
            switch (streamEvent)
            {
                case BlockStarted started:
                    Assert.Null(open);
                    Assert.Equal(next++, started.Index);
                    open = started.Index;
                    break;
                case TextDelta d:
                    Assert.Equal(open, d.Index);
                    break;
                case ReasoningDelta d:
                    Assert.Equal(open, d.Index);
                    break;
                case ToolArgumentsDelta d:
                    Assert.Equal(open, d.Index);
                    break;
                case BlockStopped stopped:
                    Assert.Equal(open, stopped.Index);
                    open = null;
                    break;
            }
        }

        Assert.Null(open);
    }

    private static List<(string Id, string Name, string Arguments)> AssembleToolCalls(List<StreamEvent> events)
    {
        var calls = new List<(string Id, string Name, string Arguments)>();
        var byBlock = new Dictionary<int, int>();
        foreach (var streamEvent in events)
        {
            if (streamEvent is BlockStarted { Kind: BlockKind.ToolCall } started)
            {
                byBlock[started.Index] = calls.Count;
                calls.Add((started.ToolCallId!, started.ToolName!, string.Empty));
            }
            else if (streamEvent is ToolArgumentsDelta delta)
            {
                var call = calls[byBlock[delta.Index]];
                calls[byBlock[delta.Index]] = call with { Arguments = call.Arguments + delta.Json };
            }
        }

        return calls;
    }

    private static List<string> ReadSse(string text)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        return [.. SseParser.Create(stream).Enumerate().Select(item => item.Data)];
    }

    /// <summary>What a Chat client assembles from chunks, the way the OpenAI SDK's stream helper does.</summary>
    private static AssembledAnswer Assemble(List<string> data)
    {
        var answer = new AssembledAnswer();
        var text = new StringBuilder();
        var reasoning = new StringBuilder();
        var calls = new SortedDictionary<int, (string Id, string Name, StringBuilder Arguments)>();
        foreach (string item in data)
        {
            if (item == "[DONE]")
            {
                answer.Done = true;
                continue;
            }

            using var document = JsonDocument.Parse(item);
            var root = document.RootElement;
            answer.Ids.Add(root.GetProperty("id").GetString()!);
            answer.Models.Add(root.GetProperty("model").GetString()!);
            foreach (var choice in root.GetProperty("choices").EnumerateArray())
            {
                var delta = choice.GetProperty("delta");
                if (delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
                {
                    text.Append(content.GetString());
                }

                if (delta.TryGetProperty("reasoning_content", out var r) && r.ValueKind == JsonValueKind.String)
                {
                    reasoning.Append(r.GetString());
                }

                if (delta.TryGetProperty("tool_calls", out var toolCalls))
                {
                    foreach (var call in toolCalls.EnumerateArray())
                    {
                        int index = call.GetProperty("index").GetInt32();
                        var function = call.GetProperty("function");
                        if (!calls.TryGetValue(index, out var entry))
                        {
                            entry = (call.GetProperty("id").GetString()!, function.GetProperty("name").GetString()!, new StringBuilder());
                            calls[index] = entry;
                        }

                        entry.Arguments.Append(function.TryGetProperty("arguments", out var a) ? a.GetString() : null);
                    }
                }

                if (choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String)
                {
                    Assert.Null(answer.FinishReason);
                    answer.FinishReason = finish.GetString();
                }
            }

            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                answer.Usage = string.Join('/',
                    usage.GetProperty("prompt_tokens").GetInt64(),
                    usage.GetProperty("completion_tokens").GetInt64(),
                    usage.GetProperty("total_tokens").GetInt64(),
                    usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt64(),
                    usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt64());
            }
        }

        answer.Text = text.ToString();
        answer.Reasoning = reasoning.ToString();
        answer.ToolCalls = [.. calls.Values.Select(c => $"{c.Id}|{c.Name}|{c.Arguments}")];
        return answer;
    }

    private sealed class AssembledAnswer
    {
        public string Text { get; set; } = string.Empty;

        public string Reasoning { get; set; } = string.Empty;

        public List<string> ToolCalls { get; set; } = [];

        public string? FinishReason { get; set; }

        public string? Usage { get; set; }

        public bool Done { get; set; }

        public HashSet<string> Ids { get; } = [];

        public HashSet<string> Models { get; } = [];
    }
}
