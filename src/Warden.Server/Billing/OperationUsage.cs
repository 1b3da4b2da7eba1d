namespace Warden.Server.Billing;

/// <summary>
/// One request's usage in a unit other than tokens (issue 22): how many images, started audio seconds, speech
/// characters or search units, the unit price version it was charged at (null: no price, free) and the micros charged
/// before the tenant multiplier.
/// </summary>
internal sealed record OperationUsage(
    string RequestId,
    string Operation,
    string Model,
    PriceUnit Unit,
    string Variant,
    long Quantity,
    long? PriceVersion,
    long Micros,
    DateTimeOffset CreatedAt);
