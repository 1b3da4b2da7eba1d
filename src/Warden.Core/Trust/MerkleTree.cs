namespace Warden.Core.Trust;

/// <summary>
/// An append-only RFC 9162 Merkle tree: the root of any earlier size, an inclusion proof (PATH) or a consistency
/// proof (PROOF) costs O(log n) hashes.
/// </summary>
/// <remarks>
/// <para>
/// By default every leaf hash and the root of every complete power-of-two subtree are held in memory (64 bytes a
/// leaf). A tree made with a <see cref="LeafHashReader"/> and a resident level L keeps in memory only the roots of
/// complete subtrees of 2^L leaves and more, plus the leaves of the block of 2^L still filling; a subtree below that
/// level in an earlier block is computed from that block's leaf hashes, read through the reader when a proof or an
/// old root needs it (one block at a time, the last one kept). At L = 8 that is about a quarter of a byte a leaf, so
/// a log of a hundred million entries fits in some 25 MB instead of 6.4 GB. Every block read is checked against the
/// block's root held in memory, so stored leaf hashes changed after they were appended are detected, not served.
/// </para>
/// <para>Not safe for concurrent use: callers serialise access.</para>
/// </remarks>
public sealed class MerkleTree
{
    /// <summary>Fills <paramref name="destination"/> with the 32-byte leaf hashes of leaves [start, start + count), in order.</summary>
    public delegate void LeafHashReader(long start, int count, Span<byte> destination);

    // For level >= _residentLevel, _levels[level][i] is the root of the complete subtree over leaves
    // [i * 2^level, (i + 1) * 2^level). Below it, _levels[level] holds only the nodes of the block still filling,
    // numbered from that block's start.
    private readonly List<HashColumn> _levels = [new HashColumn()];
    private readonly int _residentLevel;
    private readonly LeafHashReader? _reader;
    private long _size;

    // The last earlier block read back: its start, and its nodes by level (level 0 = its leaf hashes).
    private long _loadedBlock = -1;
    private List<HashColumn>? _loaded;

    /// <summary>A tree holding every leaf hash in memory.</summary>
    public MerkleTree()
    {
    }

    /// <summary>
    /// A tree that keeps in memory only subtrees of 2^<paramref name="residentLevel"/> leaves and more, and reads
    /// earlier leaf hashes through <paramref name="reader"/> when it needs them.
    /// </summary>
    public MerkleTree(int residentLevel, LeafHashReader reader)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(residentLevel);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(residentLevel, 20);
        ArgumentNullException.ThrowIfNull(reader);
        _residentLevel = residentLevel;
        _reader = reader;
    }

    /// <summary>Number of leaves.</summary>
    public long Size => _size;

    private long BlockSize => 1L << _residentLevel;

    // The first leaf of the block still filling (equal to Size when the last block is complete).
    private long TailStart => _size & ~(BlockSize - 1);

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

        long index = _size;
        if (_levels[0].Count == int.MaxValue || (_residentLevel > 0 && (index >> _residentLevel) >= int.MaxValue))
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

        _size = index + 1;
        if (_residentLevel > 0 && (_size & (BlockSize - 1)) == 0)
        {
            // The block is complete and its root is at the resident level: its lower nodes need not stay.
            for (int level = 0; level < _residentLevel; level++)
            {
                _levels[level].Clear();
            }
        }

        return index;
    }

    /// <summary>The leaf hash at <paramref name="index"/>.</summary>
    public byte[] LeafHash(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Size);
        return Node(0, index).ToArray();
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
            Node(level, start >> level).CopyTo(destination);
            return;
        }

        long k = MerkleHash.SplitPoint(size);
        Span<byte> left = stackalloc byte[MerkleHash.Size];
        Span<byte> right = stackalloc byte[MerkleHash.Size];
        SubtreeHash(start, k, left);
        SubtreeHash(start + k, size - k, right);
        MerkleHash.Node(left, right, destination);
    }

    // The root of complete subtree `position` at `level` (which must lie within the tree).
    private ReadOnlySpan<byte> Node(int level, long position)
    {
        if (level >= _residentLevel)
        {
            return _levels[level][checked((int)position)];
        }

        long firstLeaf = position << level;
        long tailStart = TailStart;
        if (firstLeaf >= tailStart)
        {
            return _levels[level][(int)((firstLeaf - tailStart) >> level)];
        }

        long block = firstLeaf >> _residentLevel;
        return LoadBlock(block)[level][(int)((firstLeaf - (block << _residentLevel)) >> level)];
    }

    // The nodes of complete earlier block `block` below the resident level, read back through the reader and checked
    // against the block's root held in memory.
    private List<HashColumn> LoadBlock(long block)
    {
        if (_loadedBlock == block)
        {
            return _loaded!;
        }

        // The block's nodes are those of a full in-memory tree over its leaves alone (its subtrees are aligned).
        int leaves = (int)BlockSize;
        byte[] hashes = new byte[leaves * MerkleHash.Size];
        _reader!(block << _residentLevel, leaves, hashes);
        var blockTree = new MerkleTree();
        for (int i = 0; i < leaves; i++)
        {
            blockTree.AppendLeafHash(hashes.AsSpan(i * MerkleHash.Size, MerkleHash.Size));
        }

        var columns = blockTree._levels;
        if (!columns[_residentLevel][0].SequenceEqual(_levels[_residentLevel][checked((int)block)]))
        {
            throw new InvalidDataException(
                $"The stored leaf hashes of entries {block << _residentLevel} to {((block + 1) << _residentLevel) - 1} no longer match the tree built from them.");
        }

        _loaded = columns;
        _loadedBlock = block;
        return columns;
    }

    private void CheckSize(long treeSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(treeSize, Size);
    }
}
