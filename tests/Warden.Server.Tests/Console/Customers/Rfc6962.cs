using System.Security.Cryptography;

namespace Warden.Server.Tests.Console.Customers;

/// <summary>
/// RFC 6962 §2.1's Merkle tree hash and audit path, written from the RFC's recursive definitions for the tests (not
/// Warden's MerkleTree): MTH(D[n]) splits at k, the largest power of two below n; PATH(m, D[n]) recurses into the side
/// holding m and appends the other side's MTH.
/// </summary>
internal static class Rfc6962
{
    public static byte[] LeafHash(byte[] entry) => SHA256.HashData([0, .. entry]);

    public static byte[] Root(IReadOnlyList<byte[]> leaves)
    {
        if (leaves.Count == 1)
        {
            return leaves[0];
        }

        int k = Split(leaves.Count);
        return Node(Root(leaves.Take(k).ToList()), Root(leaves.Skip(k).ToList()));
    }

    public static List<byte[]> Path(int m, IReadOnlyList<byte[]> leaves)
    {
        if (leaves.Count == 1)
        {
            return [];
        }

        int k = Split(leaves.Count);
        var left = leaves.Take(k).ToList();
        var right = leaves.Skip(k).ToList();
        return m < k ? [.. Path(m, left), Root(right)] : [.. Path(m - k, right), Root(left)];
    }

    private static byte[] Node(byte[] left, byte[] right) => SHA256.HashData([1, .. left, .. right]);

    private static int Split(int n)
    {
        int k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return k;
    }
}
