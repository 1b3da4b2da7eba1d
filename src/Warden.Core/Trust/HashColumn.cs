namespace Warden.Core.Trust;

/// <summary>A growable, contiguous list of 32-byte hashes (one level of the Merkle tree), without an object per hash.</summary>
internal sealed class HashColumn
{
    private byte[] _data = new byte[MerkleHash.Size * 16];

    public int Count { get; private set; }

    public ReadOnlySpan<byte> this[int index] => _data.AsSpan(index * MerkleHash.Size, MerkleHash.Size);

    public void Add(ReadOnlySpan<byte> hash)
    {
        if ((Count + 1) * MerkleHash.Size > _data.Length)
        {
            Array.Resize(ref _data, checked(_data.Length * 2));
        }

        hash.CopyTo(_data.AsSpan(Count * MerkleHash.Size, MerkleHash.Size));
        Count++;
    }

    /// <summary>Forgets every hash; the storage is kept for the next ones.</summary>
    public void Clear() => Count = 0;
}
