namespace Warden.Server.Payments;

/// <summary>What handling one notification did; <c>Reason</c> is Warden's own fixed text, safe to log.</summary>
internal sealed record PaymentOutcome(PaymentOutcomeKind Kind, string Reason, string? OrderId = null);
