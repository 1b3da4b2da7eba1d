namespace Warden.Server.Routing;

/// <summary>
/// A stable, process-independent hash of (affinity key, key id) mapped into (0, 1), for rendezvous hashing. It must be
/// identical across restarts and replicas (string.GetHashCode is randomised per process), and it runs once per
/// candidate per request, so it is a hand-written FNV-1a 64 over the UTF-16 code units followed by the SplitMix64
/// finaliser, which spreads FNV's weak high bits. Not a security boundary: the affinity key is already a SHA-256.
/// </summary>
internal static class RendezvousHash
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    public static double UnitInterval(string affinityKey, string keyId)
    {
        // The first string's length goes in first, so ("ab", "c") and ("a", "bc") hash differently.
        ulong hash = (FnvOffset ^ (ulong)affinityKey.Length) * FnvPrime;
        hash = Mix(hash, affinityKey);
        hash = Mix(hash, keyId);
        hash = Finalise(hash);

        // Top 53 bits as a double in (0, 1): the +0.5 keeps it off both ends, so ln(u) is finite and negative.
        return ((hash >> 11) + 0.5) / (1UL << 53);
    }

    private static ulong Mix(ulong hash, string text)
    {
        foreach (char c in text)
        {
            hash = (hash ^ (byte)c) * FnvPrime;
            hash = (hash ^ (byte)(c >> 8)) * FnvPrime;
        }

        return hash;
    }

    private static ulong Finalise(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
