namespace Warden.Server.Console;

/// <summary>The console's add-channel form; the same fields the admin API's <c>POST /admin/channels</c> takes.</summary>
internal sealed record ChannelForm
{
    public string? Name { get; init; }

    public string? Provider { get; init; }

    public string? BaseUrl { get; init; }

    public string? Models { get; init; }

    public int Priority { get; init; }

    public int? Weight { get; init; } = 1;

    public string? Credential { get; init; }

    public bool AllowPrivateNetwork { get; init; }

    public override string ToString() => $"ChannelForm {{ Name = {Name}, Provider = {Provider} }}";
}
