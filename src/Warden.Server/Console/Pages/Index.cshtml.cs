using Microsoft.AspNetCore.Mvc.RazorPages;
using Warden.Server.Storage;

namespace Warden.Server.Console.Pages;

/// <summary>The dashboard: requests, tokens, spend, error rate and latency for the last hour, day or month.</summary>
internal sealed class IndexModel(WardenDatabase database, TimeProvider time) : PageModel
{
    public DashboardReport Report { get; private set; } = null!;

    public void OnGet(string? period)
    {
        var chosen = Enum.TryParse<DashboardPeriod>(period, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed : DashboardPeriod.Day;
        Report = Dashboard.Build(database, chosen, time.GetUtcNow());
    }
}
