namespace Warden.Server.Console;

/// <summary>One bar of the dashboard chart: requests and errors that started in [Start, Start + width).</summary>
internal sealed record DashboardBucket(DateTimeOffset Start, long Requests, long Errors);
