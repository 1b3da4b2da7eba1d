using System.Net;
using System.Security.Cryptography;

namespace Warden.Core.Providers;

/// <summary>
/// SHA-256 of an upstream response body as received: the body bytes the HTTP layer hands over after removing the
/// transfer framing (chunked encoding, the declared length), before Warden parses, decodes or re-encodes anything.
/// Warden sends no Accept-Encoding and does not decompress, so a content-encoded body would be hashed encoded.
/// It covers the bytes read so far; every relay reads a committed answer to its end before its receipt is signed.
/// </summary>
public sealed class UpstreamResponseDigest
{
    private readonly Lock _lock = new();
    private IncrementalHash? _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private string? _final;

    /// <summary>The hash of the bytes read so far (lower-case hex).</summary>
    public string Sha256()
    {
        lock (_lock)
        {
            return _final ?? Convert.ToHexStringLower(_hash!.GetCurrentHash());
        }
    }

    /// <summary>Replaces the response's content with one that hashes what is read of it.</summary>
    public static UpstreamResponseDigest Attach(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var digest = new UpstreamResponseDigest();
        response.Content = new DigestingContent(response.Content, digest);
        return digest;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        lock (_lock)
        {
            _hash?.AppendData(bytes);
        }
    }

    private void Complete()
    {
        lock (_lock)
        {
            if (_hash is not null)
            {
                _final = Convert.ToHexStringLower(_hash.GetHashAndReset());
                _hash.Dispose();
                _hash = null;
            }
        }
    }

    /// <summary>The upstream's content with its headers, read through <see cref="DigestingStream"/>.</summary>
    private sealed class DigestingContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly UpstreamResponseDigest _digest;

        public DigestingContent(HttpContent inner, UpstreamResponseDigest digest)
        {
            _inner = inner;
            _digest = digest;
            foreach (var header in inner.Headers.NonValidated)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await using var source = await CreateContentReadStreamAsync(cancellationToken);
            await source.CopyToAsync(stream, cancellationToken);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
            new DigestingStream(await _inner.ReadAsStreamAsync(cancellationToken), _digest);

        protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

        protected override Stream CreateContentReadStream(CancellationToken cancellationToken) =>
            new DigestingStream(_inner.ReadAsStream(cancellationToken), _digest);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>A read-only stream that hashes every byte it returns; the end of the body (a read of 0) finishes the hash.</summary>
    private sealed class DigestingStream(Stream inner, UpstreamResponseDigest digest) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int read = inner.Read(buffer);
            Took(buffer[..read], buffer.Length);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int read = await inner.ReadAsync(buffer, cancellationToken);
            Took(buffer.Span[..read], buffer.Length);
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }

        private void Took(ReadOnlySpan<byte> bytes, int asked)
        {
            if (bytes.Length > 0)
            {
                digest.Append(bytes);
            }
            else if (asked > 0)
            {
                // A zero-byte read (asked for nothing) only waits for data; a read of 0 that asked for some is the end.
                digest.Complete();
            }
        }
    }
}
