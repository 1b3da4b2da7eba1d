namespace Warden.Server.Routing;

/// <summary>Randomness for load spreading, injected so selector tests can use a seeded source and stay deterministic.</summary>
internal interface IRandomSource
{
    /// <summary>A value in [0, 1).</summary>
    double NextDouble();
}
