namespace Warden.Server.Routing;

/// <summary>
/// The production <see cref="IRandomSource"/>: one <see cref="Random"/> per thread, each seeded from the OS generator,
/// so concurrent requests never contend on a lock and never share a non-thread-safe instance. Load spreading needs
/// no cryptographic quality, only independence between threads.
/// </summary>
internal sealed class SystemRandomSource : IRandomSource
{
    [ThreadStatic]
    private static Random? _threadRandom;

    public double NextDouble() =>
        (_threadRandom ??= new Random(System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue))).NextDouble();
}
