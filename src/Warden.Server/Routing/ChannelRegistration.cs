namespace Warden.Server.Routing;

/// <summary>The result of adding a channel: the channel, or the reason it was refused.</summary>
internal sealed record ChannelRegistration(Channel? Channel, string? Problem)
{
    public static ChannelRegistration Added(Channel channel) => new(channel, null);

    public static ChannelRegistration Refused(string problem) => new(null, problem);
}
