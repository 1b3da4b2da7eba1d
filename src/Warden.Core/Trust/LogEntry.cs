using System.Text;

namespace Warden.Core.Trust;

/// <summary>
/// The bytes of transparency-log entries (the leaf data that <see cref="MerkleHash.Leaf(ReadOnlySpan{byte})"/>
/// hashes). A receipt's entry is the UTF-8 text <c>receipt &lt;sha256 hex of the compact JWS (ASCII)&gt;\n</c>; the
/// type word keeps receipt entries and configuration events apart.
/// </summary>
public static class LogEntry
{
    /// <summary>The log entry recording a signed receipt.</summary>
    public static byte[] ForReceipt(string compactJws)
    {
        ArgumentException.ThrowIfNullOrEmpty(compactJws);
        return Encoding.UTF8.GetBytes("receipt " + ReceiptJson.Sha256Hex(Encoding.ASCII.GetBytes(compactJws)) + "\n");
    }

    /// <summary>The leaf hash of a receipt's log entry.</summary>
    public static byte[] ReceiptLeafHash(string compactJws) => MerkleHash.Leaf(ForReceipt(compactJws));
}
