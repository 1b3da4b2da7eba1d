using System.Security.Cryptography;

namespace Warden.Core.Trust;

/// <summary>
/// Verification of inclusion and consistency proofs by the RFC 9162 §2.1.3.2 and §2.1.4.2 algorithms. It needs
/// nothing but the proof, the sizes and the hashes, so a client can check a log without trusting it.
/// </summary>
public static class MerkleProof
{
    /// <summary>True when <paramref name="proof"/> shows that <paramref name="leafHash"/> is leaf
    /// <paramref name="leafIndex"/> of the tree of size <paramref name="treeSize"/> whose root is <paramref name="rootHash"/>.</summary>
    public static bool VerifyInclusion(long leafIndex, long treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> rootHash)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (rootHash.Length != MerkleHash.Size)
        {
            return false;
        }

        byte[]? computed = RootFromInclusionProof(leafIndex, treeSize, leafHash, proof);
        return computed is not null && CryptographicOperations.FixedTimeEquals(computed, rootHash);
    }

    /// <summary>The root that <paramref name="proof"/> leads to from the leaf, or null when the proof is malformed for these sizes.</summary>
    public static byte[]? RootFromInclusionProof(long leafIndex, long treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (leafIndex < 0 || leafIndex >= treeSize || leafHash.Length != MerkleHash.Size)
        {
            return null;
        }

        long fn = leafIndex;
        long sn = treeSize - 1;
        byte[] r = leafHash.ToArray();
        foreach (byte[] p in proof)
        {
            if (p is null || p.Length != MerkleHash.Size || sn == 0)
            {
                return null;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                MerkleHash.Node(p, r, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                MerkleHash.Node(r, p, r);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 ? r : null;
    }

    /// <summary>
    /// True when <paramref name="proof"/> shows that the tree of size <paramref name="oldSize"/> with root
    /// <paramref name="oldRoot"/> is a prefix of the tree of size <paramref name="newSize"/> with root
    /// <paramref name="newRoot"/>. Equal sizes need equal roots and an empty proof; an old size of 0 needs an empty proof.
    /// </summary>
    public static bool VerifyConsistency(long oldSize, long newSize, ReadOnlySpan<byte> oldRoot, ReadOnlySpan<byte> newRoot, IReadOnlyList<byte[]> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (oldSize < 0 || newSize < oldSize || oldRoot.Length != MerkleHash.Size || newRoot.Length != MerkleHash.Size)
        {
            return false;
        }

        if (oldSize == newSize)
        {
            return proof.Count == 0 && CryptographicOperations.FixedTimeEquals(oldRoot, newRoot);
        }

        if (oldSize == 0)
        {
            return proof.Count == 0;
        }

        if (proof.Count == 0)
        {
            return false;
        }

        foreach (byte[] p in proof)
        {
            if (p is null || p.Length != MerkleHash.Size)
            {
                return false;
            }
        }

        // Step 2: when the old tree is a complete subtree, its root is the first element of the path.
        bool oldIsComplete = (oldSize & (oldSize - 1)) == 0;
        int next = 0;
        byte[] fr = oldIsComplete ? oldRoot.ToArray() : (byte[])proof[next++].Clone();
        byte[] sr = (byte[])fr.Clone();

        long fn = oldSize - 1;
        long sn = newSize - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        for (; next < proof.Count; next++)
        {
            byte[] c = proof[next];
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                MerkleHash.Node(c, fr, fr);
                MerkleHash.Node(c, sr, sr);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                MerkleHash.Node(sr, c, sr);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0
            && CryptographicOperations.FixedTimeEquals(fr, oldRoot)
            && CryptographicOperations.FixedTimeEquals(sr, newRoot);
    }
}
