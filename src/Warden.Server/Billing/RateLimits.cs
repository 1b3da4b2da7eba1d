namespace Warden.Server.Billing;

/// <summary>The limits of one tenant or key; a null limit is not enforced.</summary>
/// <remarks><c>Scope</c>: "tenant" or "key".</remarks>
internal sealed record RateLimits(string Scope, string SubjectId, long? RequestsPerMinute, long? TokensPerMinute, int? Concurrent);
