namespace Warden.Server.Routing;

/// <summary>The in-memory channel policies, by channel id, so applying one reads no storage.</summary>
internal sealed class PolicyCatalog() : KeyedCatalog<ChannelPolicy>(policy => policy.ChannelId)
{
    /// <summary>The policy of a channel, or null when it declares none (its requests go upstream unchanged).</summary>
    public ChannelPolicy? For(string channelId) => Get(channelId);

    /// <summary>Replaces every policy; a policy that changes nothing is not kept.</summary>
    public void Replace(IEnumerable<ChannelPolicy> policies) => Swap(policies.Where(p => !p.IsEmpty));
}
