using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text;
using Warden.Server.Relay;

namespace Warden.Server.Tests.Relay;

/// <summary>
/// <see cref="RelayOutput.WriteEvent"/> writes the usual event (one line of data, small enough for one buffer block)
/// in one piece, and anything else field by field; both must give the same SSE bytes, which parse back to the event.
/// </summary>
public sealed class RelayOutputEventTests
{
    public static TheoryData<string, string> Events()
    {
        string big = "{\"text\":\"" + new string('x', 5000) + "\"}";
        return new TheoryData<string, string>
        {
            { SseParser.EventTypeDefault, "{\"choices\":[]}" },
            { SseParser.EventTypeDefault, "[DONE]" },
            { SseParser.EventTypeDefault, "" },
            { "content_block_delta", "{\"type\":\"content_block_delta\",\"delta\":{\"text\":\"héllo ✓\"}}" },
            { "ping", "{\"type\":\"ping\"}" },
            { "évènement", "{}" },
            { SseParser.EventTypeDefault, "{\"a\":1,\n\"b\":2}" },
            { "message_start", "line one\nline two\nline three" },
            { SseParser.EventTypeDefault, big },
            { "message_delta", big },
        };
    }

    [Theory]
    [MemberData(nameof(Events))]
    public void AnEventIsFramedAsSse_AndParsesBackToTheSameTypeAndData(string eventType, string data)
    {
        var output = new ArrayBufferWriter<byte>();
        RelayOutput.WriteEvent(output, eventType, Encoding.UTF8.GetBytes(data));

        string written = Encoding.UTF8.GetString(output.WrittenSpan);
        var expected = new StringBuilder();
        if (eventType != SseParser.EventTypeDefault)
        {
            expected.Append("event: ").Append(eventType).Append('\n');
        }

        foreach (string line in data.Split('\n'))
        {
            expected.Append("data: ").Append(line).Append('\n');
        }

        expected.Append('\n');
        Assert.Equal(expected.ToString(), written);

        var parsed = Assert.Single(SseParser.Create(new MemoryStream(output.WrittenSpan.ToArray())).Enumerate());
        Assert.Equal(eventType, parsed.EventType);
        Assert.Equal(data, parsed.Data);
    }

    [Fact]
    public void EventsWrittenOneAfterAnother_ThroughSmallBlocks_KeepTheirBytesInOrder()
    {
        // A writer whose blocks are smaller than an event: the one-piece path asks for the whole event at once and must
        // get a span that large, the field-by-field path spreads it over blocks.
        var output = new SmallBlockWriter(blockSize: 64);
        var expected = new StringBuilder();
        for (int i = 0; i < 50; i++)
        {
            string data = $"{{\"index\":{i},\"text\":\"{new string('y', i * 7)}\"}}";
            string type = i % 3 == 0 ? "content_block_delta" : SseParser.EventTypeDefault;
            RelayOutput.WriteEvent(output, type, Encoding.UTF8.GetBytes(data));
            if (type != SseParser.EventTypeDefault)
            {
                expected.Append("event: ").Append(type).Append('\n');
            }

            expected.Append("data: ").Append(data).Append("\n\n");
        }

        Assert.Equal(expected.ToString(), Encoding.UTF8.GetString(output.Written()));
    }

    /// <summary>An <see cref="IBufferWriter{T}"/> that hands out at least the size asked for, else blocks of a fixed size.</summary>
    private sealed class SmallBlockWriter(int blockSize) : IBufferWriter<byte>
    {
        private readonly List<byte[]> _done = [];
        private byte[] _current = [];

        public void Advance(int count) => _done.Add(_current[..count]);

        public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[Math.Max(sizeHint, blockSize)];

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public byte[] Written() => [.. _done.SelectMany(b => b)];
    }
}
