namespace Warden.Server.Console;

/// <summary>The dashboard's windows, each with the width of its chart's bars.</summary>
internal enum DashboardPeriod
{
    Hour,
    Day,
    Month,
}
