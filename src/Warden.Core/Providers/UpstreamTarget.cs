namespace Warden.Core.Providers;

/// <summary>Where and how one attempt is sent: a channel's base URL, its provider profile and its decrypted credential.</summary>
/// <param name="BaseUrl">Base URL including the API version segment and a trailing slash.</param>
/// <param name="Profile">The provider's profile.</param>
/// <param name="Credential">The upstream credential, in memory only; never logged or shown.</param>
/// <param name="AllowPrivateNetwork">Whether connections may go to loopback or private addresses (checked when connecting).</param>
public sealed record UpstreamTarget(Uri BaseUrl, ProviderProfile Profile, string? Credential, bool AllowPrivateNetwork)
{

    /// <summary>Carries <see cref="AllowPrivateNetwork"/> on the HttpRequestMessage to the connect-time address check.</summary>
    public static HttpRequestOptionsKey<bool> AllowPrivateNetworkOption { get; } = new("warden.allow-private-network");

    /// <summary>Carries <see cref="ConnectTimeout"/> on the HttpRequestMessage to the connect callback.</summary>
    public static HttpRequestOptionsKey<TimeSpan> ConnectTimeoutOption { get; } = new("warden.connect-timeout");

    /// <summary>Longest wait for a connection to this upstream; null for the handler's default.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>The Authorization header value of a bearer-auth upstream, built once per target instead of per call.</summary>
    public string? BearerAuthorization { get; } = Credential is null ? null : "Bearer " + Credential;

    // The credential stays out of every string form of this record.
    public override string ToString() => $"{Profile.Id} {BaseUrl}";
}
