namespace Warden.Core.Providers;

/// <summary>Reads upstream bodies with a bound, so a misbehaving upstream cannot exhaust memory.</summary>
public static class HttpContentReader
{
    /// <summary>Reads at most <paramref name="limit"/> bytes of a body; the rest is left unread.</summary>
    public static async Task<byte[]> ReadBoundedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        byte[] buffer = new byte[Math.Min(limit, 81_920)];
        int total = 0;
        while (total < limit)
        {
            if (total == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(limit, buffer.Length * 2L));
            }

            int read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total == buffer.Length ? buffer : buffer.AsSpan(0, total).ToArray();
    }
}
