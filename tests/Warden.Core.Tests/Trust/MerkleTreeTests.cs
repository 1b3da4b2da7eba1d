using Warden.Core.Trust;

namespace Warden.Core.Tests.Trust;

public class MerkleTreeTests
{
    private static List<byte[]> Entries(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new byte[] { (byte)i, (byte)(i * 7), (byte)(i >> 8) })];

    // Reads leaf hashes from a list, as the server reads them from its table (the list may be changed to tamper).
    private static MerkleTree.LeafHashReader ReaderOver(List<byte[]> stored) => (start, count, destination) =>
    {
        for (int i = 0; i < count; i++)
        {
            stored[(int)start + i].CopyTo(destination[(i * MerkleHash.Size)..]);
        }
    };

    private static MerkleTree TreeOf(IEnumerable<byte[]> entries)
    {
        var tree = new MerkleTree();
        foreach (byte[] entry in entries)
        {
            tree.Append(entry);
        }

        return tree;
    }

    [Fact]
    public void Empty_tree_root_is_sha256_of_nothing()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(new MerkleTree().RootHash()));
    }

    [Fact]
    public void Roots_and_proofs_match_the_naive_rfc_definitions_for_every_size_up_to_70()
    {
        List<byte[]> entries = Entries(70);
        MerkleTree tree = TreeOf(entries);
        for (int n = 1; n <= 70; n++)
        {
            List<byte[]> d = entries[..n];
            byte[] root = NaiveMerkle.Mth(d);
            Assert.Equal(root, tree.RootHash(n));

            for (int m = 0; m < n; m++)
            {
                IReadOnlyList<byte[]> path = tree.InclusionProof(m, n);
                Assert.Equal(NaiveMerkle.Path(m, d), path);
                Assert.True(MerkleProof.VerifyInclusion(m, n, NaiveMerkle.LeafHash(d[m]), path, root), $"inclusion {m} in {n}");
            }

            for (int old = 1; old <= n; old++)
            {
                IReadOnlyList<byte[]> proof = tree.ConsistencyProof(old, n);
                Assert.Equal(old == n ? [] : NaiveMerkle.Proof(old, d), proof);
                Assert.True(MerkleProof.VerifyConsistency(old, n, NaiveMerkle.Mth(entries[..old]), root, proof), $"consistency {old} -> {n}");
            }

            Assert.Empty(tree.ConsistencyProof(0, n));
            Assert.True(MerkleProof.VerifyConsistency(0, n, MerkleHash.EmptyRoot(), root, []));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_tree_keeping_only_upper_levels_gives_the_same_roots_leaves_and_proofs_as_the_full_tree(int residentLevel)
    {
        List<byte[]> entries = Entries(70);
        MerkleTree full = TreeOf(entries);
        List<byte[]> stored = [.. entries.Select(e => MerkleHash.Leaf(e))];
        int reads = 0;
        var readStored = ReaderOver(stored);
        var tiled = new MerkleTree(residentLevel, (start, count, destination) =>
        {
            reads++;
            readStored(start, count, destination);
        });

        for (int n = 1; n <= 70; n++)
        {
            tiled.AppendLeafHash(stored[n - 1]);
            Assert.Equal(full.RootHash(n), tiled.RootHash());
            for (int size = 1; size <= n; size++)
            {
                Assert.Equal(full.RootHash(size), tiled.RootHash(size));
                for (int m = 0; m < size; m++)
                {
                    Assert.Equal(full.InclusionProof(m, size), tiled.InclusionProof(m, size));
                }

                for (int old = 0; old <= size; old++)
                {
                    Assert.Equal(full.ConsistencyProof(old, size), tiled.ConsistencyProof(old, size));
                }
            }
        }

        for (int m = 0; m < 70; m++)
        {
            Assert.Equal(stored[m], tiled.LeafHash(m));
        }

        // Earlier blocks were really read back rather than kept.
        Assert.True(reads > 0);
    }

    [Fact]
    public void A_tree_keeping_only_upper_levels_refuses_a_stored_leaf_hash_changed_after_it_was_appended()
    {
        List<byte[]> stored = [.. Entries(20).Select(e => MerkleHash.Leaf(e))];
        var tree = new MerkleTree(2, ReaderOver(stored));
        foreach (byte[] leaf in stored)
        {
            tree.AppendLeafHash(leaf);
        }

        byte[] before = tree.InclusionProof(5, 20)[0];
        stored[9] = MerkleHash.Leaf([0xFF]);

        // Leaf 9 is in block [8, 12); leaf 5's block [4, 8) was read and kept, so its proof is unaffected.
        Assert.Equal(before, tree.InclusionProof(5, 20)[0]);
        var refused = Assert.Throws<InvalidDataException>(() => tree.InclusionProof(9, 20));
        Assert.Contains("entries 8 to 11", refused.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => tree.LeafHash(10));
    }

    [Fact]
    public void Leaf_and_node_hashes_are_domain_separated()
    {
        byte[] a = [1, 2, 3];
        Assert.Equal(NaiveMerkle.LeafHash(a), MerkleHash.Leaf(a));
        byte[] left = MerkleHash.Leaf([1]);
        byte[] right = MerkleHash.Leaf([2]);

        // A two-leaf root must not equal the leaf hash of the two child hashes concatenated.
        Assert.NotEqual(MerkleHash.Leaf([.. left, .. right]), MerkleHash.Node(left, right));
        Assert.Equal(MerkleHash.Node(left, right), TreeOf([[1], [2]]).RootHash());
    }

    [Fact]
    public void Any_flipped_byte_in_an_inclusion_proof_root_or_leaf_fails()
    {
        List<byte[]> entries = Entries(33);
        MerkleTree tree = TreeOf(entries);
        for (int n = 1; n <= 33; n++)
        {
            byte[] root = tree.RootHash(n);
            for (int m = 0; m < n; m++)
            {
                byte[] leaf = tree.LeafHash(m);
                IReadOnlyList<byte[]> proof = tree.InclusionProof(m, n);
                for (int e = 0; e < proof.Count; e++)
                {
                    for (int i = 0; i < MerkleHash.Size; i++)
                    {
                        Assert.False(MerkleProof.VerifyInclusion(m, n, leaf, Flip(proof, e, i), root), $"proof[{e}] byte {i}, leaf {m}, size {n}");
                    }
                }

                for (int i = 0; i < MerkleHash.Size; i++)
                {
                    Assert.False(MerkleProof.VerifyInclusion(m, n, FlipCopy(leaf, i), proof, root));
                    Assert.False(MerkleProof.VerifyInclusion(m, n, leaf, proof, FlipCopy(root, i)));
                }

                // The leaf of another entry, a wrong index, a wrong size, or a proof with an element added or removed.
                Assert.False(MerkleProof.VerifyInclusion(m, n, MerkleHash.Leaf([0xFF, .. entries[m]]), proof, root));
                if (n > 1)
                {
                    Assert.False(MerkleProof.VerifyInclusion((m + 1) % n, n, leaf, proof, root));
                    Assert.False(MerkleProof.VerifyInclusion(m, n, leaf, [.. proof.Take(proof.Count - 1)], root));
                }

                Assert.False(MerkleProof.VerifyInclusion(m, n, leaf, [.. proof, root], root));
                Assert.False(MerkleProof.VerifyInclusion(m, n, leaf, [root, .. proof], root));
                Assert.False(MerkleProof.VerifyInclusion(m, n, leaf, [.. proof, []], root));
            }
        }
    }

    [Fact]
    public void Any_flipped_byte_in_a_consistency_proof_or_either_root_fails()
    {
        MerkleTree tree = TreeOf(Entries(33));
        for (int n = 2; n <= 33; n++)
        {
            byte[] newRoot = tree.RootHash(n);
            for (int old = 1; old < n; old++)
            {
                byte[] oldRoot = tree.RootHash(old);
                IReadOnlyList<byte[]> proof = tree.ConsistencyProof(old, n);
                Assert.True(MerkleProof.VerifyConsistency(old, n, oldRoot, newRoot, proof));
                for (int e = 0; e < proof.Count; e++)
                {
                    for (int i = 0; i < MerkleHash.Size; i++)
                    {
                        Assert.False(MerkleProof.VerifyConsistency(old, n, oldRoot, newRoot, Flip(proof, e, i)), $"proof[{e}] byte {i}, {old} -> {n}");
                    }
                }

                for (int i = 0; i < MerkleHash.Size; i++)
                {
                    Assert.False(MerkleProof.VerifyConsistency(old, n, FlipCopy(oldRoot, i), newRoot, proof));
                    Assert.False(MerkleProof.VerifyConsistency(old, n, oldRoot, FlipCopy(newRoot, i), proof));
                }

                Assert.False(MerkleProof.VerifyConsistency(old, n, newRoot, oldRoot, proof));
                Assert.False(MerkleProof.VerifyConsistency(old, n, oldRoot, newRoot, []));
                Assert.False(MerkleProof.VerifyConsistency(old, n, oldRoot, newRoot, [.. proof.Take(proof.Count - 1)]));
                Assert.False(MerkleProof.VerifyConsistency(old, n, oldRoot, newRoot, [.. proof, newRoot]));
                Assert.False(MerkleProof.VerifyConsistency(old, n, oldRoot, newRoot, [proof[0], .. proof]));
                Assert.False(MerkleProof.VerifyConsistency(n, old, newRoot, oldRoot, proof));
            }
        }
    }

    [Fact]
    public void A_rewritten_history_is_not_consistent()
    {
        List<byte[]> entries = Entries(20);
        MerkleTree honest = TreeOf(entries);
        List<byte[]> rewritten = [.. entries];
        rewritten[3] = [0xEE];
        MerkleTree forged = TreeOf(rewritten);
        for (int old = 4; old < 20; old++)
        {
            Assert.False(MerkleProof.VerifyConsistency(old, 20, honest.RootHash(old), forged.RootHash(20), forged.ConsistencyProof(old, 20)));
        }
    }

    [Fact]
    public void Equal_sizes_need_equal_roots_and_an_empty_proof()
    {
        MerkleTree tree = TreeOf(Entries(5));
        byte[] root = tree.RootHash();
        Assert.True(MerkleProof.VerifyConsistency(5, 5, root, root, []));
        Assert.False(MerkleProof.VerifyConsistency(5, 5, root, tree.RootHash(4), []));
        Assert.False(MerkleProof.VerifyConsistency(5, 5, root, root, [root]));
        Assert.False(MerkleProof.VerifyConsistency(0, 5, MerkleHash.EmptyRoot(), root, [root]));
    }

    [Fact]
    public void Out_of_range_arguments_are_refused()
    {
        MerkleTree tree = TreeOf(Entries(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.RootHash(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.InclusionProof(3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.ConsistencyProof(3, 2));
        Assert.Throws<ArgumentException>(() => tree.AppendLeafHash(new byte[31]));
        Assert.False(MerkleProof.VerifyInclusion(0, 0, tree.LeafHash(0), [], tree.RootHash()));
        Assert.False(MerkleProof.VerifyInclusion(-1, 3, tree.LeafHash(0), [], tree.RootHash()));
    }

    [Fact]
    public void A_large_tree_gives_proofs_that_verify()
    {
        const int Count = 300_007;
        var tree = new MerkleTree();
        Span<byte> entry = stackalloc byte[4];
        for (int i = 0; i < Count; i++)
        {
            BitConverter.TryWriteBytes(entry, i);
            tree.Append(entry);
        }

        byte[] root = tree.RootHash();
        foreach (long index in new long[] { 0, 1, 65_535, 65_536, 262_143, 262_144, Count - 2, Count - 1 })
        {
            Assert.True(MerkleProof.VerifyInclusion(index, Count, tree.LeafHash(index), tree.InclusionProof(index, Count), root));
        }

        foreach (long old in new long[] { 1, 2, 3, 131_072, 200_001, 262_144, Count - 1 })
        {
            Assert.True(MerkleProof.VerifyConsistency(old, Count, tree.RootHash(old), root, tree.ConsistencyProof(old, Count)));
        }
    }

    private static List<byte[]> Flip(IReadOnlyList<byte[]> proof, int element, int index)
    {
        List<byte[]> copy = [.. proof];
        copy[element] = FlipCopy(proof[element], index);
        return copy;
    }

    private static byte[] FlipCopy(byte[] bytes, int index)
    {
        byte[] copy = (byte[])bytes.Clone();
        copy[index] ^= 0x01;
        return copy;
    }
}
