namespace Warden.Server.Billing;

/// <summary>What <see cref="BillingGate.ReserveAsync(Keys.ClientKey, string, Func{long}, long, string)"/> returns: a reservation to settle later, or a refusal to send now.</summary>
internal sealed record ReserveOutcome(Reservation? Reservation, BillingRefusal? Refusal);
