using Warden.Server.Routing;

namespace Warden.Server.Tests.Routing;

/// <summary>A deterministic <see cref="IRandomSource"/> for selector tests; counts its draws so a test can tell whether randomness was used.</summary>
internal sealed class SeededRandomSource(int seed) : IRandomSource
{
    private readonly Random _random = new(seed);

    public int Draws { get; private set; }

    public double NextDouble()
    {
        Draws++;
        return _random.NextDouble();
    }
}
