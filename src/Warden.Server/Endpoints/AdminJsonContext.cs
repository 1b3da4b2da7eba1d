using System.Text.Json;
using System.Text.Json.Serialization;

namespace Warden.Server.Endpoints;

internal sealed record CreateKeyRequest(string? Name, IReadOnlyList<string>? Models, DateTimeOffset? ExpiresAt, string? Role);

internal sealed record KeyView(string Id, string Name, string Role, string Hint, IReadOnlyList<string>? Models, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, IReadOnlyList<string> FallbackModels);

internal sealed record CreatedKeyView(KeyView Key, string Secret);

internal sealed record CreateChannelRequest(string? Name, string? Provider, string? BaseUrl, IReadOnlyList<string>? Models, int? Priority, string? Credential, bool? AllowPrivateNetwork,
    int? Weight = null, int? ConnectTimeoutMs = null, int? FirstByteTimeoutMs = null, int? IdleTimeoutMs = null, int? MaxConcurrency = null, string? Jurisdiction = null)
{
    public override string ToString() => $"CreateChannelRequest {{ Name = {Name} }}";
}

internal sealed record ChannelView(string Id, string Name, string Provider, string BaseUrl, IReadOnlyList<string> Models, int Priority, bool AllowPrivateNetwork, bool HasCredential, bool ManagedSimulator, DateTimeOffset CreatedAt,
    Routing.ChannelTuning? Tuning = null, bool Enabled = true);

/// <summary>An edit of a channel: each field given replaces the current value; absent fields are kept.</summary>
internal sealed record UpdateChannelRequest(bool? Enabled, int? Priority, int? Weight, IReadOnlyList<string>? Models);

/// <summary>One upstream key's health as the router sees it (no credential: the key is named by channel and pool position).</summary>
internal sealed record KeyHealthView(string Channel, int KeyIndex, string Model, string State, int ConsecutiveFailures, DateTimeOffset? CoolingUntil, DateTimeOffset? OpenUntil, double? LatencyMs);

internal sealed record CreateTenantRequest(string? Name, string? Currency, long? MultiplierPpm);

internal sealed record TenantView(string Id, string Name, string Currency, long MultiplierPpm, long BalanceMicros, DateTimeOffset CreatedAt);

internal sealed record SetPriceRequest(string? Model, string? Currency, long? InputPerMillion, long? OutputPerMillion, long? CacheReadPerMillion, long? CacheWritePerMillion, long? ReasoningPerMillion, DateTimeOffset? EffectiveAt);

internal sealed record PriceView(long Version, string Model, string Currency, long InputPerMillion, long OutputPerMillion, long CacheReadPerMillion, long CacheWritePerMillion, long ReasoningPerMillion, DateTimeOffset EffectiveAt, DateTimeOffset CreatedAt);

internal sealed record CreditRequest(string? Tenant, string? KeyId, long? AmountMicros, string? Note);

internal sealed record RedeemRequest(string? Tenant, string? Code)
{
    public override string ToString() => $"RedeemRequest {{ Tenant = {Tenant} }}";
}

internal sealed record BalanceView(string Account, long BalanceMicros, string Currency);

internal sealed record CreateCodesRequest(int? Count, long? AmountMicros, string? Currency);

internal sealed record CodeBatchView(string BatchId, long AmountMicros, string Currency, IReadOnlyList<string> Codes);

internal sealed record LedgerCheckView(bool Ok, IReadOnlyList<string> Problems);

internal sealed record CreateAliasRequest(string? Name, string? Model, string? Provider, string? Version);

internal sealed record AliasView(string Name, string Model, string? Provider, string? Version, DateTimeOffset CreatedAt);

internal sealed record SetPolicyRequest(string? SystemPrefix, long? MaxOutputTokensCap, Dictionary<string, JsonElement>? Overrides);

internal sealed record PolicyView(string Channel, string ChannelId, string? SystemPrefix, long? MaxOutputTokensCap, Dictionary<string, JsonElement> Overrides, int Version, DateTimeOffset UpdatedAt);

internal sealed record SetFallbackRequest(IReadOnlyList<string>? Models);

internal sealed record FallbackView(string KeyId, IReadOnlyList<string> FallbackModels, bool Strict);

internal sealed record SetResidencyRuleRequest(string? Home, IReadOnlyList<string>? Allow, string? PersonalDataAbroad, string? LegalBasis, string? Uninspectable, IReadOnlyDictionary<string, string>? Patterns = null);

/// <summary>A residency rule; <c>allow</c> null means any jurisdiction.</summary>
internal sealed record ResidencyRuleView(string Scope, string SubjectId, string Home, IReadOnlyList<string>? Allow, string PersonalDataAbroad, string? LegalBasis, string Uninspectable, int Version, DateTimeOffset UpdatedAt, IReadOnlyDictionary<string, string> Patterns);

/// <summary>Source-generated JSON for the admin API, in snake_case like the rest of the wire.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CreateKeyRequest))]
[JsonSerializable(typeof(CreatedKeyView))]
[JsonSerializable(typeof(List<KeyView>))]
[JsonSerializable(typeof(CreateChannelRequest))]
[JsonSerializable(typeof(UpdateChannelRequest))]
[JsonSerializable(typeof(ChannelView))]
[JsonSerializable(typeof(List<ChannelView>))]
[JsonSerializable(typeof(List<KeyHealthView>))]
[JsonSerializable(typeof(List<Usage.UsageSummaryRow>))]
[JsonSerializable(typeof(CreateTenantRequest))]
[JsonSerializable(typeof(TenantView))]
[JsonSerializable(typeof(List<TenantView>))]
[JsonSerializable(typeof(SetPriceRequest))]
[JsonSerializable(typeof(PriceView))]
[JsonSerializable(typeof(List<PriceView>))]
[JsonSerializable(typeof(CreditRequest))]
[JsonSerializable(typeof(RedeemRequest))]
[JsonSerializable(typeof(BalanceView))]
[JsonSerializable(typeof(CreateCodesRequest))]
[JsonSerializable(typeof(CodeBatchView))]
[JsonSerializable(typeof(LedgerCheckView))]
[JsonSerializable(typeof(List<Billing.UsageReportRow>))]
[JsonSerializable(typeof(CreateAliasRequest))]
[JsonSerializable(typeof(AliasView))]
[JsonSerializable(typeof(List<AliasView>))]
[JsonSerializable(typeof(SetPolicyRequest))]
[JsonSerializable(typeof(PolicyView))]
[JsonSerializable(typeof(List<PolicyView>))]
[JsonSerializable(typeof(SetFallbackRequest))]
[JsonSerializable(typeof(FallbackView))]
[JsonSerializable(typeof(SetResidencyRuleRequest))]
[JsonSerializable(typeof(ResidencyRuleView))]
[JsonSerializable(typeof(List<ResidencyRuleView>))]
[JsonSerializable(typeof(List<Residency.TransferReportRow>))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
