using System.Text.Json.Serialization;

namespace Warden.Server.Endpoints;

internal sealed record CreateKeyRequest(string? Name, IReadOnlyList<string>? Models, DateTimeOffset? ExpiresAt, string? Role);

internal sealed record KeyView(string Id, string Name, string Role, string Hint, IReadOnlyList<string>? Models, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

internal sealed record CreatedKeyView(KeyView Key, string Secret);

internal sealed record CreateChannelRequest(string? Name, string? Provider, string? BaseUrl, IReadOnlyList<string>? Models, int? Priority, string? Credential, bool? AllowPrivateNetwork)
{
    public override string ToString() => $"CreateChannelRequest {{ Name = {Name} }}";
}

internal sealed record ChannelView(string Id, string Name, string Provider, string BaseUrl, IReadOnlyList<string> Models, int Priority, bool AllowPrivateNetwork, bool HasCredential, bool ManagedSimulator, DateTimeOffset CreatedAt);

/// <summary>Source-generated JSON for the admin API, in snake_case like the rest of the wire.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CreateKeyRequest))]
[JsonSerializable(typeof(CreatedKeyView))]
[JsonSerializable(typeof(List<KeyView>))]
[JsonSerializable(typeof(CreateChannelRequest))]
[JsonSerializable(typeof(ChannelView))]
[JsonSerializable(typeof(List<ChannelView>))]
[JsonSerializable(typeof(List<Usage.UsageSummaryRow>))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
