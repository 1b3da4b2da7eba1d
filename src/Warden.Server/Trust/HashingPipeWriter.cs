using System.IO.Pipelines;
using System.Security.Cryptography;

namespace Warden.Server.Trust;

/// <summary>
/// A <see cref="PipeWriter"/> in front of the response's own writer that feeds every byte committed with
/// <see cref="Advance"/> (or written with <see cref="WriteAsync"/>) into a SHA-256, in place: the memory handed out is
/// the inner writer's, so nothing is copied and nothing is kept but the running hash.
/// </summary>
internal sealed class HashingPipeWriter(PipeWriter inner) : PipeWriter, IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private Memory<byte> _lastHandedOut;

    /// <summary>The writer this one writes to; bytes written there directly are not hashed.</summary>
    public PipeWriter Inner { get; } = inner;

    /// <summary>How many bytes went through this writer.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>SHA-256 (lower-case hex) of every byte written so far; writing may continue after.</summary>
    public string CurrentSha256()
    {
        Span<byte> digest = stackalloc byte[32];
        _hash.GetCurrentHash(digest);
        return Convert.ToHexStringLower(digest);
    }

    public override void Advance(int bytes)
    {
        _hash.AppendData(_lastHandedOut.Span[..bytes]);
        BytesWritten += bytes;
        _lastHandedOut = default;
        Inner.Advance(bytes);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => _lastHandedOut = Inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => (_lastHandedOut = Inner.GetMemory(sizeHint)).Span;

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        _hash.AppendData(source.Span);
        BytesWritten += source.Length;
        return Inner.WriteAsync(source, cancellationToken);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => Inner.FlushAsync(cancellationToken);

    public override void CancelPendingFlush() => Inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => Inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => Inner.CompleteAsync(exception);

    public override bool CanGetUnflushedBytes => Inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => Inner.UnflushedBytes;

    public void Dispose() => _hash.Dispose();
}
