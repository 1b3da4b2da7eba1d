using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Warden.Server.Storage;

namespace Warden.Server.Console.Pages;

/// <summary>The searchable request log and its CSV export (the same search, more rows).</summary>
internal sealed class UsageModel(WardenDatabase database, TimeProvider time) : PageModel
{
    public const int PageRows = 200;

    public static IReadOnlyList<string> Periods { get; } = ["hour", "day", "month", "all"];

    public IReadOnlyList<UsageLogRow> Rows { get; private set; } = [];

    public string? Q { get; private set; }

    public string? Status { get; private set; }

    public string Period { get; private set; } = "day";

    public void OnGet(string? q, string? status, string? period) =>
        Rows = UsageLog.Search(database, Query(q, status, period, PageRows));

    public IActionResult OnGetCsv(string? q, string? status, string? period)
    {
        var rows = UsageLog.Search(database, Query(q, status, period, UsageLog.MaxRows));
        return File(Encoding.UTF8.GetBytes(UsageLog.Csv(rows)), "text/csv; charset=utf-8", "warden-usage.csv");
    }

    private UsageLogQuery Query(string? q, string? status, string? period, int limit)
    {
        Q = q;
        Status = status is "ok" or "error" ? status : null;
        Period = period is { } p && Periods.Contains(p) ? p : "day";
        var now = time.GetUtcNow();
        DateTimeOffset? since = Period switch
        {
            "hour" => now.AddHours(-1),
            "month" => now.AddDays(-30),
            "all" => null,
            _ => now.AddDays(-1),
        };
        return new UsageLogQuery(q, Status, since, limit);
    }
}
