using System.Security.Cryptography;

namespace Warden.Server.Simulator;

/// <summary>
/// Where sampled answers get their randomness: the operating system's generator, or, when the options give a seed,
/// a sequence derived from it and the order of requests, so a bench run (the audit power study) is reproducible.
/// </summary>
internal sealed class SimulatorSampler
{
    private readonly long? _seed;
    private long _drawn;

    public SimulatorSampler(long? seed)
    {
        _seed = seed;
    }

    /// <summary>A fresh random sequence for one sampled answer.</summary>
    public SimulatorSeed Next()
    {
        if (_seed is not long seed)
        {
            Span<byte> bytes = stackalloc byte[sizeof(ulong)];
            RandomNumberGenerator.Fill(bytes);
            return SimulatorSeed.FromState(BitConverter.ToUInt64(bytes));
        }

        var index = Interlocked.Increment(ref _drawn);
        return new SimulatorSeed(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"sample\n{seed}\n{index}"));
    }
}
