using Warden.Core.Providers;

namespace Warden.Core.Tests.Providers;

public class HttpContentReaderTests
{
    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(i * 31 % 251);
        }

        return bytes;
    }

    [Theory]
    [InlineData(0, 1024)]
    [InlineData(1000, 4096)]
    [InlineData(4096, 4096)]
    [InlineData(200_000, 1_000_000)]
    public async Task ReadBoundedAsync_BodyWithinLimit_ReturnsWholeBody(int length, int limit)
    {
        byte[] body = Pattern(length);
        using var content = new ByteArrayContent(body);

        byte[] read = await HttpContentReader.ReadBoundedAsync(content, limit, CancellationToken.None);

        Assert.Equal(body, read);
    }

    [Theory]
    [InlineData(5000, 4096)]
    [InlineData(300_000, 100_000)]
    [InlineData(1_000_000, 500_000)]
    [InlineData(10, 0)]
    public async Task ReadBoundedAsync_BodyOverLimit_ReturnsFirstLimitBytes(int length, int limit)
    {
        byte[] body = Pattern(length);
        using var content = new ByteArrayContent(body);

        byte[] read = await HttpContentReader.ReadBoundedAsync(content, limit, CancellationToken.None);

        Assert.Equal(body.AsSpan(0, limit).ToArray(), read);
    }

    [Fact]
    public async Task ReadBoundedAsync_StreamInSmallPieces_ReadsEveryPiece()
    {
        byte[] body = Pattern(50_000);
        using var content = new StreamContent(new TrickleStream(body, maxPerRead: 7));

        byte[] read = await HttpContentReader.ReadBoundedAsync(content, 1_000_000, CancellationToken.None);

        Assert.Equal(body, read);
    }

    [Fact]
    public async Task ReadBoundedAsync_LargeStream_StopsReadingAtLimit()
    {
        byte[] body = Pattern(2_000_000);
        var stream = new TrickleStream(body, maxPerRead: 65_536);
        using var content = new StreamContent(stream);

        byte[] read = await HttpContentReader.ReadBoundedAsync(content, 100_000, CancellationToken.None);

        Assert.Equal(body.AsSpan(0, 100_000).ToArray(), read);
        Assert.Equal(100_000, stream.BytesRead);
    }

    [Fact]
    public async Task ReadBoundedAsync_DeclaredLengthLongerThanBody_ReturnsTheBytesThatArrived()
    {
        byte[] body = Pattern(3000);
        using var content = new StreamContent(new TrickleStream(body, maxPerRead: 1000));
        content.Headers.ContentLength = 5000;

        byte[] read = await HttpContentReader.ReadBoundedAsync(content, 1_000_000, CancellationToken.None);

        Assert.Equal(body, read);
    }

    [Fact]
    public async Task ReadBoundedAsync_LargeDeclaredLengthWithinLimit_ReadsTheWholeBody()
    {
        // Over the size allocated up front on the declaration's word alone: read as it arrives instead.
        byte[] body = Pattern(5_000_000);
        using var content = new StreamContent(new TrickleStream(body, maxPerRead: 100_000));
        content.Headers.ContentLength = body.Length;

        byte[] read = await HttpContentReader.ReadBoundedAsync(content, 10_000_000, CancellationToken.None);

        Assert.Equal(body, read);
    }

    [Fact]
    public async Task ReadBoundedAsync_DeclaredLengthOverLimit_StopsAtLimit()
    {
        byte[] body = Pattern(300_000);
        var stream = new TrickleStream(body, maxPerRead: 65_536);
        using var content = new StreamContent(stream);
        content.Headers.ContentLength = body.Length;

        byte[] read = await HttpContentReader.ReadBoundedAsync(content, 100_001, CancellationToken.None);

        Assert.Equal(body.AsSpan(0, 100_001).ToArray(), read);
        Assert.Equal(100_001, stream.BytesRead);
    }

    /// <summary>A non-seekable stream that hands out at most a few bytes per read and counts what it handed out.</summary>
    private sealed class TrickleStream(byte[] data, int maxPerRead) : Stream
    {
        public int BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(Math.Min(buffer.Length, maxPerRead), data.Length - BytesRead);
            data.AsSpan(BytesRead, n).CopyTo(buffer);
            BytesRead += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
