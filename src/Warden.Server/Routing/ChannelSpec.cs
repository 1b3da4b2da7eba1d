namespace Warden.Server.Routing;

/// <summary>What an operator asks for when adding a channel.</summary>
internal sealed record ChannelSpec(
    string Name,
    string Provider,
    string? BaseUrl,
    IReadOnlyList<string> Models,
    int Priority,
    string? Credential,
    bool AllowPrivateNetwork,
    bool ManagedSimulator = false,
    ChannelTuning? Tuning = null)
{
    // The credential never appears in a string form of this record.
    public override string ToString() => $"ChannelSpec {{ Name = {Name}, Provider = {Provider} }}";
}
