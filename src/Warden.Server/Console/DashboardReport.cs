namespace Warden.Server.Console;

/// <summary>What the dashboard shows for one window.</summary>
internal sealed record DashboardReport(
    DashboardPeriod Period,
    DateTimeOffset Since,
    DashboardGroup Total,
    IReadOnlyList<DashboardGroup> ByModel,
    IReadOnlyList<DashboardGroup> ByChannel,
    IReadOnlyList<DashboardGroup> ByTenant,
    IReadOnlyList<DashboardBucket> Buckets);
