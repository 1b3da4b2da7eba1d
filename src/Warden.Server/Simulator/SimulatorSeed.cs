using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Warden.Server.Simulator;

/// <summary>
/// A SplitMix64 sequence seeded from SHA-256, so answers depend only on the seed text and never on
/// the process, the runtime version or System.Random's algorithm.
/// </summary>
internal struct SimulatorSeed
{
    private ulong _state;

    public SimulatorSeed(string text)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        _state = BinaryPrimitives.ReadUInt64LittleEndian(hash);
    }

    /// <summary>A sequence that starts from a given state (a sampled answer's fresh randomness).</summary>
    public static SimulatorSeed FromState(ulong state) => new() { _state = state };

    public ulong Next()
    {
        _state += 0x9E3779B97F4A7C15UL;
        var z = _state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A value in [0, exclusiveMax); the modulo bias is irrelevant at these sizes.</summary>
    public int Next(int exclusiveMax) => (int)(Next() % (ulong)exclusiveMax);

    /// <summary>A value in [0, 1) with 53 bits of precision.</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>24 lowercase hex characters derived from the text, the length OpenAI uses in its ids.</summary>
    public static string Hex24(string text)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Convert.ToHexStringLower(hash[..12]);
    }
}
