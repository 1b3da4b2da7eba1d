namespace Warden.Server.Routing;

/// <summary>Which channels may reach an address or host name (docs/routing.md, "Upstream addresses").</summary>
internal enum AddressReach
{
    /// <summary>Any channel.</summary>
    Public,

    /// <summary>Only a channel allowed the private network (a local profile such as vLLM, Ollama or the simulator, or the operator's flag): loopback and private ranges.</summary>
    PrivateNetwork,

    /// <summary>No channel: link-local, cloud metadata, multicast, documentation and the other special-purpose ranges.</summary>
    Never,
}
