using Warden.Core.Trust;

namespace Warden.Core.Tests.Trust;

/// <summary>
/// The RFC 6962 test vectors published with Certificate Transparency and kept in transparency-dev/merkle
/// (proof/verify_test.go, commit 02194e9afb6c1d95b5381350007963aa70fff472): eight entries, the root of every
/// prefix, and inclusion and consistency proofs. Leaf numbers in those vectors are 1-based.
/// </summary>
public class MerklePublishedVectorsTests
{
    private static readonly string[] EntriesHex = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

    private static readonly string[] Roots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    public static TheoryData<int, int, string[]> InclusionVectors => new()
    {
        { 1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 6, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"] },
        { 2, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
        { 1, 1, [] },
    };

    public static TheoryData<int, int, string[]> ConsistencyVectors => new()
    {
        { 1, 1, [] },
        { 1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
        { 6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
    };

    private static MerkleTree ReferenceTree()
    {
        var tree = new MerkleTree();
        foreach (string entry in EntriesHex)
        {
            tree.Append(Convert.FromHexString(entry));
        }

        return tree;
    }

    [Fact]
    public void Roots_of_every_prefix_match()
    {
        MerkleTree tree = ReferenceTree();
        for (int size = 1; size <= 8; size++)
        {
            Assert.Equal(Roots[size - 1], Convert.ToHexStringLower(tree.RootHash(size)));
        }
    }

    [Theory]
    [MemberData(nameof(InclusionVectors))]
    public void Inclusion_proofs_match_and_verify(int leafNumber, int size, string[] proofHex)
    {
        MerkleTree tree = ReferenceTree();
        List<byte[]> expected = [.. proofHex.Select(Convert.FromHexString)];
        Assert.Equal(expected, tree.InclusionProof(leafNumber - 1, size));

        byte[] leaf = MerkleHash.Leaf(Convert.FromHexString(EntriesHex[leafNumber - 1]));
        byte[] root = Convert.FromHexString(Roots[size - 1]);
        Assert.True(MerkleProof.VerifyInclusion(leafNumber - 1, size, leaf, expected, root));
        Assert.Equal(root, MerkleProof.RootFromInclusionProof(leafNumber - 1, size, leaf, expected));

        // The corruptions transparency-dev probes with: wrong index, wrong size, garbage before or after.
        long index = leafNumber - 1;
        byte[] someHash = Convert.FromHexString("abacaba000000000000000000000000000000000000000000060061e00123456");
        Assert.False(MerkleProof.VerifyInclusion(index - 1, size, leaf, expected, root));
        Assert.False(MerkleProof.VerifyInclusion(index + 1, size, leaf, expected, root));
        Assert.False(MerkleProof.VerifyInclusion(index ^ 2, size, leaf, expected, root));
        Assert.False(MerkleProof.VerifyInclusion(index, size * 2, leaf, expected, root));
        Assert.False(MerkleProof.VerifyInclusion(index, size / 2, leaf, expected, root));
        Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, expected, MerkleHash.EmptyRoot()));
        Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, expected, someHash));
        Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, [.. expected, root], root));
        Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, [root, .. expected], root));
        Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, [.. expected, []], root));
    }

    [Theory]
    [MemberData(nameof(ConsistencyVectors))]
    public void Consistency_proofs_match_and_verify(int oldSize, int newSize, string[] proofHex)
    {
        MerkleTree tree = ReferenceTree();
        List<byte[]> expected = [.. proofHex.Select(Convert.FromHexString)];
        Assert.Equal(expected, tree.ConsistencyProof(oldSize, newSize));
        byte[] oldRoot = Convert.FromHexString(Roots[oldSize - 1]);
        byte[] newRoot = Convert.FromHexString(Roots[newSize - 1]);
        Assert.True(MerkleProof.VerifyConsistency(oldSize, newSize, oldRoot, newRoot, expected));
        if (expected.Count == 0)
        {
            return;
        }

        // The corruptions transparency-dev probes with.
        Assert.False(MerkleProof.VerifyConsistency(oldSize - 1, newSize, oldRoot, newRoot, expected));
        Assert.False(MerkleProof.VerifyConsistency(oldSize + 1, newSize, oldRoot, newRoot, expected));
        Assert.False(MerkleProof.VerifyConsistency(oldSize ^ 2, newSize, oldRoot, newRoot, expected));
        Assert.False(MerkleProof.VerifyConsistency(oldSize, newSize * 2, oldRoot, newRoot, expected));
        Assert.False(MerkleProof.VerifyConsistency(oldSize, newSize / 2, oldRoot, newRoot, expected));
        Assert.False(MerkleProof.VerifyConsistency(oldSize, newSize, newRoot, oldRoot, expected));
        Assert.False(MerkleProof.VerifyConsistency(oldSize, newSize, oldRoot, newRoot, []));
        Assert.False(MerkleProof.VerifyConsistency(oldSize, newSize, oldRoot, newRoot, [.. expected, oldRoot]));
        Assert.False(MerkleProof.VerifyConsistency(oldSize, newSize, oldRoot, newRoot, [.. expected, newRoot]));
        Assert.False(MerkleProof.VerifyConsistency(oldSize, newSize, oldRoot, newRoot, [oldRoot, .. expected]));
        Assert.False(MerkleProof.VerifyConsistency(oldSize, newSize, oldRoot, newRoot, [newRoot, .. expected]));
        Assert.False(MerkleProof.VerifyConsistency(oldSize, newSize, oldRoot, newRoot, [expected[0], .. expected]));
        Assert.False(MerkleProof.VerifyConsistency(oldSize, newSize, oldRoot, newRoot, [.. expected.Take(expected.Count - 1)]));
    }
}
