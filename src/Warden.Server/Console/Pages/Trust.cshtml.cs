using System.Text;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Warden.Server.Storage;
using Warden.Server.Trust;

namespace Warden.Server.Console.Pages;

/// <summary>
/// The transparency log: the latest signed checkpoint (signed now if entries arrived since the last one) and the entries
/// before a point, newest first. Entries hold configuration events and receipt hashes, never secrets or content.
/// </summary>
internal sealed class TrustModel(TransparencyLog log, WardenDatabase database) : PageModel
{
    public const int PageEntries = 50;

    public sealed record Entry(long Index, string Kind, string Text, string CreatedAt);

    public string Checkpoint { get; private set; } = "";

    public long Size { get; private set; }

    public string Origin => log.Origin;

    public IReadOnlyList<Entry> Entries { get; private set; } = [];

    public long? Older { get; private set; }

    public void OnGet(long? before)
    {
        Checkpoint = log.Refresh();
        Size = log.Size;
        long end = Math.Clamp(before ?? Size, 0, Size);
        long start = Math.Max(0, end - PageEntries);
        using (var connection = database.Open())
        {
            Entries = LogEntryRows.Read(connection, start, end)
                .Select(r => new Entry(r.Index, r.Kind, Encoding.UTF8.GetString(r.Entry).TrimEnd('\n'), r.CreatedAt))
                .Reverse()
                .ToList();
        }

        Older = start > 0 ? start : null;
    }
}
