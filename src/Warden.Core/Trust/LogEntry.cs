using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Warden.Core.Trust;

/// <summary>
/// The bytes of transparency-log entries (the leaf data that <see cref="MerkleHash.Leaf(ReadOnlySpan{byte})"/>
/// hashes). A receipt's entry is the UTF-8 text <c>receipt &lt;sha256 hex of the compact JWS (ASCII)&gt;\n</c>; the
/// type word keeps receipt entries and configuration events apart.
/// </summary>
public static class LogEntry
{
    private static ReadOnlySpan<byte> ReceiptPrefix => "receipt "u8;

    /// <summary>The log entry recording a signed receipt.</summary>
    public static byte[] ForReceipt(string compactJws)
    {
        ArgumentException.ThrowIfNullOrEmpty(compactJws);

        // One entry per relayed answer: hashed from a pooled copy of the token, written straight as bytes.
        byte[] ascii = ArrayPool<byte>.Shared.Rent(Encoding.ASCII.GetMaxByteCount(compactJws.Length));
        Span<byte> hash = stackalloc byte[32];
        try
        {
            int length = Encoding.ASCII.GetBytes(compactJws, ascii);
            SHA256.HashData(ascii.AsSpan(0, length), hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(ascii);
        }

        byte[] entry = new byte[ReceiptPrefix.Length + 64 + 1];
        ReceiptPrefix.CopyTo(entry);
        Convert.TryToHexStringLower(hash, entry.AsSpan(ReceiptPrefix.Length, 64), out _);
        entry[^1] = (byte)'\n';
        return entry;
    }

    /// <summary>The leaf hash of a receipt's log entry.</summary>
    public static byte[] ReceiptLeafHash(string compactJws) => MerkleHash.Leaf(ForReceipt(compactJws));
}
