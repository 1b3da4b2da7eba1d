using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Warden.Server.Relay;

namespace Warden.Server.Tests.Relay;

public class EncodedEventsTests
{
    [Fact]
    public async Task Pieces_ReachTheOutput_InOrder_OnlyWhenMoved()
    {
        var pipe = new Pipe();
        var encoded = new EncodedEvents(pipe.Writer);

        encoded.Buffer.Write("event: a\n"u8);
        encoded.Buffer.Write("data: {}\n\n"u8);
        Assert.Equal(0, pipe.Writer.UnflushedBytes);

        encoded.MoveToOutput();
        encoded.MoveToOutput(); // nothing gathered since: nothing written twice
        encoded.Buffer.Write("event: b\ndata: {}\n\n"u8);
        encoded.MoveToOutput();
        await pipe.Writer.CompleteAsync();

        Assert.Equal("event: a\ndata: {}\n\nevent: b\ndata: {}\n\n", await ReadAllAsync(pipe.Reader));
    }

    [Fact]
    public async Task ALargeEvent_GoesOutWhole_AndItsBufferIsNotKept()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var encoded = new EncodedEvents(pipe.Writer);
        string large = "data: " + new string('x', 100_000) + "\n\n";

        var before = encoded.Buffer;
        encoded.Buffer.Write(Encoding.UTF8.GetBytes(large));
        encoded.MoveToOutput();
        var after = encoded.Buffer;
        after.Write("data: small\n\n"u8);
        encoded.MoveToOutput();
        await pipe.Writer.CompleteAsync();

        Assert.NotSame(before, after);
        Assert.True(((ArrayBufferWriter<byte>)after).Capacity <= 64 * 1024);
        Assert.Equal(large + "data: small\n\n", await ReadAllAsync(pipe.Reader));
    }

    [Fact]
    public void ASmallBuffer_IsReused()
    {
        var encoded = new EncodedEvents(new Pipe().Writer);
        var before = encoded.Buffer;
        before.Write("data: {}\n\n"u8);

        encoded.MoveToOutput();

        Assert.Same(before, encoded.Buffer);
        Assert.Equal(0, ((ArrayBufferWriter<byte>)encoded.Buffer).WrittenCount);
    }

    private static async Task<string> ReadAllAsync(PipeReader reader)
    {
        using var memory = new MemoryStream();
        await reader.CopyToAsync(memory);
        return Encoding.UTF8.GetString(memory.ToArray());
    }
}
