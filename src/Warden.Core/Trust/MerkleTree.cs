namespace Warden.Core.Trust;

/// <summary>
/// An append-only RFC 9162 Merkle tree held in memory: it keeps every leaf hash and the root of every complete
/// power-of-two subtree, so the root of any earlier size, an inclusion proof (PATH) or a consistency proof
/// (PROOF) costs O(log n) hashes. A million leaves take about 64 MB.
/// </summary>
public sealed class MerkleTree
{
    // _levels[k][i] is the root of the complete subtree over leaves [i * 2^k, (i + 1) * 2^k).
    private readonly List<HashColumn> _levels = [new HashColumn()];

    /// <summary>Number of leaves.</summary>
    public long Size => _levels[0].Count;

    /// <summary>Appends a log entry (hashed as a leaf) and returns its index.</summary>
    public long Append(ReadOnlySpan<byte> entry)
    {
        Span<byte> leaf = stackalloc byte[MerkleHash.Size];
        MerkleHash.Leaf(entry, leaf);
        return AppendLeafHash(leaf);
    }

    /// <summary>Appends an already computed leaf hash (32 bytes) and returns its index.</summary>
    public long AppendLeafHash(ReadOnlySpan<byte> leafHash)
    {
        if (leafHash.Length != MerkleHash.Size)
        {
            throw new ArgumentException($"A leaf hash is {MerkleHash.Size} bytes.", nameof(leafHash));
        }

        int index = _levels[0].Count;
        if (index == int.MaxValue)
        {
            throw new InvalidOperationException("The in-memory tree is full.");
        }

        _levels[0].Add(leafHash);
        Span<byte> node = stackalloc byte[MerkleHash.Size];
        long count = index + 1L;
        for (int level = 0; (count & 1) == 0; level++, count >>= 1)
        {
            HashColumn column = _levels[level];
            MerkleHash.Node(column[column.Count - 2], column[column.Count - 1], node);
            if (_levels.Count == level + 1)
            {
                _levels.Add(new HashColumn());
            }

            _levels[level + 1].Add(node);
        }

        return index;
    }

    /// <summary>The leaf hash at <paramref name="index"/>.</summary>
    public byte[] LeafHash(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Size);
        return _levels[0][(int)index].ToArray();
    }

    /// <summary>The current root (MTH of all leaves).</summary>
    public byte[] RootHash() => RootHash(Size);

    /// <summary>The root the tree had when it held <paramref name="treeSize"/> leaves.</summary>
    public byte[] RootHash(long treeSize)
    {
        CheckSize(treeSize);
        if (treeSize == 0)
        {
            return MerkleHash.EmptyRoot();
        }

        var root = new byte[MerkleHash.Size];
        SubtreeHash(0, treeSize, root);
        return root;
    }

    /// <summary>
    /// The inclusion proof (RFC 9162 §2.1.3.1 PATH) of leaf <paramref name="leafIndex"/> in the tree of size
    /// <paramref name="treeSize"/>, ordered from the leaf's sibling up to the root's child.
    /// </summary>
    public IReadOnlyList<byte[]> InclusionProof(long leafIndex, long treeSize)
    {
        CheckSize(treeSize);
        ArgumentOutOfRangeException.ThrowIfNegative(leafIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(leafIndex, treeSize);

        var path = new List<byte[]>();
        long start = 0;
        long size = treeSize;
        long m = leafIndex;
        while (size > 1)
        {
            long k = MerkleHash.SplitPoint(size);
            if (m < k)
            {
                path.Add(Subtree(start + k, size - k));
                size = k;
            }
            else
            {
                path.Add(Subtree(start, k));
                start += k;
                m -= k;
                size -= k;
            }
        }

        path.Reverse();
        return path;
    }

    /// <summary>
    /// The consistency proof (RFC 9162 §2.1.4.1 PROOF) between the tree of size <paramref name="oldSize"/> and
    /// the tree of size <paramref name="newSize"/>. Empty when the old size is 0 or equals the new size.
    /// </summary>
    public IReadOnlyList<byte[]> ConsistencyProof(long oldSize, long newSize)
    {
        CheckSize(newSize);
        ArgumentOutOfRangeException.ThrowIfNegative(oldSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(oldSize, newSize);

        var proof = new List<byte[]>();
        if (oldSize == 0 || oldSize == newSize)
        {
            return proof;
        }

        long start = 0;
        long m = oldSize;
        long n = newSize;
        bool wholeOldTree = true;
        while (m != n)
        {
            long k = MerkleHash.SplitPoint(n);
            if (m <= k)
            {
                proof.Add(Subtree(start + k, n - k));
                n = k;
            }
            else
            {
                proof.Add(Subtree(start, k));
                start += k;
                m -= k;
                n -= k;
                wholeOldTree = false;
            }
        }

        if (!wholeOldTree)
        {
            proof.Add(Subtree(start, m));
        }

        proof.Reverse();
        return proof;
    }

    private byte[] Subtree(long start, long size)
    {
        var hash = new byte[MerkleHash.Size];
        SubtreeHash(start, size, hash);
        return hash;
    }

    /// <summary>MTH(D[start : start + size]), taken from the cache for complete aligned subtrees.</summary>
    private void SubtreeHash(long start, long size, Span<byte> destination)
    {
        if ((size & (size - 1)) == 0 && start % size == 0)
        {
            int level = 63 - (int)long.LeadingZeroCount(size);
            _levels[level][(int)(start >> level)].CopyTo(destination);
            return;
        }

        long k = MerkleHash.SplitPoint(size);
        Span<byte> left = stackalloc byte[MerkleHash.Size];
        Span<byte> right = stackalloc byte[MerkleHash.Size];
        SubtreeHash(start, k, left);
        SubtreeHash(start + k, size - k, right);
        MerkleHash.Node(left, right, destination);
    }

    private void CheckSize(long treeSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(treeSize, Size);
    }
}
