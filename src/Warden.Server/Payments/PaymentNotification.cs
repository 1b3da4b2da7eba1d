namespace Warden.Server.Payments;

/// <summary>A provider's notification as it arrived: the raw body (signatures cover its exact bytes) and the headers that matter.</summary>
internal sealed record PaymentNotification(byte[] Body, string? ContentType, IReadOnlyDictionary<string, string> Headers);
