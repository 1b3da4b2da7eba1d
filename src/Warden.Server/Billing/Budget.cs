namespace Warden.Server.Billing;

/// <summary>A spending limit for a tenant or a key over a period, in micro-units of the tenant's currency.</summary>
/// <remarks><c>Scope</c>: "tenant" or "key".</remarks>
internal sealed record Budget(string Scope, string SubjectId, BudgetPeriod Period, long LimitMicros)
{
    public static string PeriodName(BudgetPeriod period) => period switch
    {
        BudgetPeriod.Daily => "daily",
        BudgetPeriod.Monthly => "monthly",
        _ => "total",
    };

    public static BudgetPeriod? ParsePeriod(string? text) => text switch
    {
        "daily" => BudgetPeriod.Daily,
        "monthly" => BudgetPeriod.Monthly,
        "total" => BudgetPeriod.Total,
        _ => null,
    };
}
