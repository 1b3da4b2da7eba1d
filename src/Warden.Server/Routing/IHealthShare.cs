namespace Warden.Server.Routing;

/// <summary>
/// Where <see cref="UpstreamHealth"/> publishes the cool-downs and open circuits it decides and reads the ones other
/// nodes decided (Redis, <see cref="SharedState.RedisHealthShare"/>). Times travel as durations measured on the shared
/// store's own clock, so nodes whose clocks disagree still agree on when a key may take traffic again. Every member
/// answers at once and never throws: a store that cannot be reached is just not consulted.
/// </summary>
internal interface IHealthShare
{
    /// <summary>What the nodes have said about the key (<see cref="SharedKeyHealth.None"/>: nothing); null when the store cannot be asked now.</summary>
    SharedKeyHealth? Read(string keyId);

    /// <summary>The key is cooling for <paramref name="wait"/> from now (a later end already published wins).</summary>
    void CoolDown(string keyId, TimeSpan wait);

    /// <summary>The key's circuit opened for <paramref name="openFor"/> from now.</summary>
    void Open(string keyId, TimeSpan openFor);

    /// <summary>A probe succeeded: the circuit is closed for everyone.</summary>
    void Close(string keyId);
}
