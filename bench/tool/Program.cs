using System.Globalization;
using Warden.Bench;

// warden-bench ttfe --samples N name=port=request-file ...
// warden-bench pii [--data bench/data/agent-100k.chat.json]
// warden-bench streams --count N --open-seconds S --hold-seconds S --pid P [--pid P ...] name=port=request-file
// warden-bench audit-power [--seeds 100] [--checks substitution,usage,...] [--modes replay,inflate,...] [--no-reference yes] [--max-requests 600] [--reports DIR]
var options = new Dictionary<string, List<string>>(StringComparer.Ordinal);
var targets = new List<RawRequest>();
for (int i = 1; i < args.Length; i++)
{
    if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
    {
        if (!options.TryGetValue(args[i], out var values))
        {
            options[args[i]] = values = [];
        }

        values.Add(args[++i]);
    }
    else
    {
        targets.Add(RawRequest.Parse(args[i]));
    }
}

int Number(string name, int fallback) =>
    options.TryGetValue(name, out var v) ? int.Parse(v[^1], NumberStyles.None, CultureInfo.InvariantCulture) : fallback;

// A hard stop for the whole tool, whatever happens.
// The power study runs thousands of audits: its default limit is hours, not minutes.
string mode = args.Length > 0 ? args[0] : "";
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(Number("--max-seconds", mode == "audit-power" ? 6 * 3600 : 120)));
var output = Console.Out;
IReadOnlyCollection<string>? List(string name) =>
    options.TryGetValue(name, out var v) ? [.. v.SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))] : null;

switch (mode)
{
    case "ttfe" when targets.Count > 0:
        return await TimeToFirstEvent.RunAsync(targets, Number("--samples", 50), output, stop.Token);
    case "streams" when targets.Count == 1:
        var pids = options.TryGetValue("--pid", out var p) ? p.Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToList() : [];
        return await OpenStreams.RunAsync(targets[0], Number("--count", 1000), TimeSpan.FromSeconds(Number("--open-seconds", 30)),
            TimeSpan.FromSeconds(Number("--hold-seconds", 3)), pids, output, stop.Token);
    case "pii":
        return PersonalDataCost.Run(options.TryGetValue("--data", out var data) ? data[^1] : Path.Combine("bench", "data", "agent-100k.chat.json"), output, stop.Token);
    case "audit-power":
        return await AuditPower.RunAsync(Number("--seeds", 100), List("--checks"), List("--modes"), !options.ContainsKey("--no-reference"),
            Number("--max-requests", 600), options.TryGetValue("--reports", out var reports) ? reports[^1] : null, output, Console.Error, stop.Token);
    default:
        await Console.Error.WriteLineAsync("usage: warden-bench ttfe|streams|pii|audit-power [options] name=port=request-file ...");
        return 2;
}
