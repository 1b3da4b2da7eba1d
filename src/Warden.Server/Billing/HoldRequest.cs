namespace Warden.Server.Billing;

/// <summary>What a reservation holds credit for: the request, whose account, and the worst-case amount at a price version.</summary>
internal sealed record HoldRequest(string RequestId, string Account, string TenantId, string? KeyId, string Model, long PriceVersion, long AmountMicros);
