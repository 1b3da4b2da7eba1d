using Warden.Core.Providers;

namespace Warden.Server.Routing;

/// <summary>A channel ready to receive traffic: decrypted credential in memory, provider profile resolved.</summary>
internal sealed record RouteTarget(string ChannelId, string ChannelName, int Priority, DateTimeOffset CreatedAt, UpstreamTarget Upstream);
