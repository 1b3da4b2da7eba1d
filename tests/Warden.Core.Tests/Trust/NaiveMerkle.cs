using System.Security.Cryptography;

namespace Warden.Core.Tests.Trust;

/// <summary>
/// A deliberately naive RFC 9162 §2.1 reference written straight from the recursive definitions (MTH, PATH,
/// PROOF/SUBPROOF) over the entries themselves, sharing no code with Warden.Core.Trust.
/// </summary>
internal static class NaiveMerkle
{
    public static byte[] LeafHash(byte[] entry) => SHA256.HashData([0x00, .. entry]);

    // Memo of MTH by (first entry object, count): the tests slice one list of entries, so this only saves time.
    private static readonly Dictionary<(object, int), byte[]> Memo = [];
    private static readonly Lock MemoLock = new();

    public static byte[] Mth(IReadOnlyList<byte[]> d)
    {
        if (d.Count == 0)
        {
            return SHA256.HashData(Array.Empty<byte>());
        }

        lock (MemoLock)
        {
            if (Memo.TryGetValue((d[0], d.Count), out byte[]? known))
            {
                return known;
            }
        }

        byte[] root = MthUncached(d);
        lock (MemoLock)
        {
            Memo[(d[0], d.Count)] = root;
        }

        return root;
    }

    private static byte[] MthUncached(IReadOnlyList<byte[]> d)
    {
        int n = d.Count;
        if (n == 0)
        {
            return SHA256.HashData(Array.Empty<byte>());
        }

        if (n == 1)
        {
            return LeafHash(d[0]);
        }

        int k = K(n);
        return SHA256.HashData([0x01, .. Mth(Slice(d, 0, k)), .. Mth(Slice(d, k, n))]);
    }

    public static List<byte[]> Path(int m, IReadOnlyList<byte[]> d)
    {
        int n = d.Count;
        if (n == 1)
        {
            return [];
        }

        int k = K(n);
        return m < k
            ? [.. Path(m, Slice(d, 0, k)), Mth(Slice(d, k, n))]
            : [.. Path(m - k, Slice(d, k, n)), Mth(Slice(d, 0, k))];
    }

    public static List<byte[]> Proof(int m, IReadOnlyList<byte[]> d) => SubProof(m, d, true);

    private static List<byte[]> SubProof(int m, IReadOnlyList<byte[]> d, bool b)
    {
        int n = d.Count;
        if (m == n)
        {
            return b ? [] : [Mth(d)];
        }

        int k = K(n);
        return m <= k
            ? [.. SubProof(m, Slice(d, 0, k), b), Mth(Slice(d, k, n))]
            : [.. SubProof(m - k, Slice(d, k, n), false), Mth(Slice(d, 0, k))];
    }

    // The largest power of two smaller than n.
    private static int K(int n)
    {
        int k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return k;
    }

    private static List<byte[]> Slice(IReadOnlyList<byte[]> d, int from, int to) => [.. d.Skip(from).Take(to - from)];
}
