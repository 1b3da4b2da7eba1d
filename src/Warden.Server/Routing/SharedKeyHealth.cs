namespace Warden.Server.Routing;

/// <summary>One key's health as the nodes share it, in durations from now on the shared store's clock.</summary>
/// <param name="CoolingFor">How long the key still cools down; null when it does not.</param>
/// <param name="OpenFor">How long until the open circuit lets a probe through: negative once it is half-open (the
/// circuit stays published until a probe closes it or its record expires); null when no node opened it.</param>
internal sealed record SharedKeyHealth(TimeSpan? CoolingFor, TimeSpan? OpenFor)
{
    public static SharedKeyHealth None { get; } = new(null, null);
}
