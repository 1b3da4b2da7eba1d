namespace Warden.Server.Billing;

/// <summary>The outcome of redeeming a code: the amount credited, or why nothing was.</summary>
internal sealed record RedemptionResult(bool Redeemed, string? Problem, long AmountMicros, string? CodeId)
{
    public static RedemptionResult Invalid { get; } = new(false, "That code is not valid.", 0, null);

    public static RedemptionResult AlreadyRedeemed { get; } = new(false, "That code has already been redeemed.", 0, null);
}
