using System.Buffers;

namespace Warden.Core.Providers;

/// <summary>Reads upstream bodies with a bound, so a misbehaving upstream cannot exhaust memory.</summary>
/// <remarks>
/// This is on the path of every complete answer, so it allocates only the array it returns: a declared
/// Content-Length within the bound (and at most 4 MB) is read straight into an array of that size (not cleared
/// first), and any other body grows in pooled buffers and is copied once at the end.
/// </remarks>
public static class HttpContentReader
{
    private const int FirstPooledBuffer = 16 * 1024;

    // Largest declared length allocated up front: a larger declaration grows with the bytes that really arrive, so an
    // upstream that declares a huge body and sends little cannot make Warden allocate it.
    private const int MaxPresized = 4 * 1024 * 1024;

    /// <summary>Reads at most <paramref name="limit"/> bytes of a body; the rest is left unread.</summary>
    public static async Task<byte[]> ReadBoundedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        if (content.Headers.ContentLength is long declared && declared < limit && declared <= MaxPresized)
        {
            return await ReadDeclaredAsync(stream, (int)declared, cancellationToken);
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(limit, FirstPooledBuffer));
        try
        {
            int total = 0;
            while (total < limit)
            {
                if (total == buffer.Length)
                {
                    byte[] larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit, buffer.Length * 2L));
                    buffer.AsSpan(0, total).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                int read = await stream.ReadAsync(buffer.AsMemory(total, Math.Min(buffer.Length, limit) - total), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return buffer.AsSpan(0, total).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // The transport ends the body at its declared length (and fails a shorter one), so the array is filled exactly;
    // an upstream that closes early leaves the bytes it did send.
    private static async Task<byte[]> ReadDeclaredAsync(Stream stream, int length, CancellationToken cancellationToken)
    {
        byte[] body = GC.AllocateUninitializedArray<byte>(length);
        int total = 0;
        while (total < length)
        {
            int read = await stream.ReadAsync(body.AsMemory(total), cancellationToken);
            if (read == 0)
            {
                return body.AsSpan(0, total).ToArray();
            }

            total += read;
        }

        return body;
    }
}
