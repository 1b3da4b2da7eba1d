using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;

namespace Warden.Server.Trust;

/// <summary>
/// A <see cref="PipeWriter"/> in front of the response's own writer that feeds every byte committed with
/// <see cref="Advance"/> (or written with <see cref="WriteAsync"/>) into a SHA-256, in place: the memory handed out is
/// the inner writer's, so nothing is copied and nothing is kept but the running hash.
/// </summary>
/// <remarks>
/// The end of a stream can be held back (<see cref="Hold"/>): from then on what is written waits here, unsent and not
/// yet hashed, until <see cref="ReleaseHeld"/> passes it on (or <see cref="DropHeld"/> discards it). A stream's final
/// event waits so while its usage record and receipt are made durable: the client never reads the end of an answer
/// that a crash could still lose from the books. Only the last event or two are ever held.
/// </remarks>
internal sealed class HashingPipeWriter(PipeWriter inner) : PipeWriter, IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private Memory<byte> _lastHandedOut;
    private ArrayBufferWriter<byte>? _held;

    /// <summary>The writer this one writes to; bytes written there directly are not hashed.</summary>
    public PipeWriter Inner { get; } = inner;

    /// <summary>How many bytes went through this writer.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Whether the end is being held back (<see cref="Hold"/>).</summary>
    public bool Holding => _held is not null;

    /// <summary>
    /// SHA-256 (lower-case hex) of every byte written so far, held bytes included (they are what the client gets next
    /// once released); writing may continue after.
    /// </summary>
    public string CurrentSha256()
    {
        Span<byte> digest = stackalloc byte[32];
        if (_held is { WrittenCount: > 0 } held)
        {
            using var withHeld = _hash.Clone();
            withHeld.AppendData(held.WrittenSpan);
            withHeld.GetCurrentHash(digest);
        }
        else
        {
            _hash.GetCurrentHash(digest);
        }

        return Convert.ToHexStringLower(digest);
    }

    /// <summary>From now on, keeps what is written here instead of sending it, until <see cref="ReleaseHeld"/> or <see cref="DropHeld"/>.</summary>
    public void Hold() => _held ??= new ArrayBufferWriter<byte>(512);

    /// <summary>Passes the held bytes on to the client's writer (not flushed) and stops holding.</summary>
    public void ReleaseHeld()
    {
        if (_held is { } held)
        {
            _held = null;
            _hash.AppendData(held.WrittenSpan);
            Inner.Write(held.WrittenSpan);
        }
    }

    /// <summary>Discards the held bytes (they never reach the client nor the hash) and stops holding.</summary>
    public void DropHeld()
    {
        if (_held is { } held)
        {
            _held = null;
            BytesWritten -= held.WrittenCount;
        }
    }

    public override void Advance(int bytes)
    {
        BytesWritten += bytes;
        if (_held is { } held)
        {
            _lastHandedOut = default;
            held.Advance(bytes);
            return;
        }

        _hash.AppendData(_lastHandedOut.Span[..bytes]);
        _lastHandedOut = default;
        Inner.Advance(bytes);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => _lastHandedOut = _held is { } held ? held.GetMemory(sizeHint) : Inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        BytesWritten += source.Length;
        if (_held is { } held)
        {
            held.Write(source.Span);
            return ValueTask.FromResult(new FlushResult(isCanceled: false, isCompleted: false));
        }

        _hash.AppendData(source.Span);
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
