using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Warden.Server.Simulator;

/// <summary>
/// The faults named by a "/_fault/{faults}/" URL prefix, so one simulator can stand behind several upstream base
/// URLs that fail differently (channel A at /_fault/500/v1/ fails, channel B at /v1/ answers) for the same model.
/// </summary>
/// <remarks>
/// Grammar (strict; anything else is the usual 400 invalid_simulator_fault):
/// <c>faults := fault ("," fault)*</c> with the faults of <see cref="SimulatorFault.KnownFaults"/>, optionally
/// preceded by a counting window <c>"first-" N ":"</c> (1 ≤ N ≤ 1,000,000) that applies the whole list only to the
/// first N requests arriving under this exact prefix text; later ones get no path fault. Text is the segment as
/// it appears in the path and is also the counter's key, so "first-2:500" and "first-2:500,nousage" count apart.
/// </remarks>
internal sealed record SimulatorFaultPrefix(string Text, int? FirstRequests, IReadOnlyList<string> Faults)
{
    /// <summary>The path segment that introduces the prefix: /_fault/{faults}/v1/...</summary>
    public const string Segment = "/_fault";

    private const string FirstPrefix = "first-";
    private const int MaxFirstRequests = 1_000_000;

    /// <summary>
    /// Splits "/_fault/{faults}/rest" into the fault segment and "/rest"; false for any other path. The
    /// segment is returned unparsed so an invalid one can still be rejected in the dialect's error shape.
    /// </summary>
    public static bool TrySplitPath(PathString path, [NotNullWhen(true)] out string? segment, out PathString rest)
    {
        segment = null;
        rest = default;
        if (!path.StartsWithSegments(Segment, StringComparison.Ordinal, out var remaining) || !remaining.HasValue)
        {
            return false;
        }

        var value = remaining.Value!;
        var end = value.IndexOf('/', 1);
        segment = end < 0 ? value[1..] : value[1..end];
        rest = end < 0 ? PathString.Empty : new PathString(value[end..]);
        return true;
    }

    public static bool TryParse(string text, [NotNullWhen(true)] out SimulatorFaultPrefix? prefix, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        prefix = null;
        var list = text;
        int? first = null;
        if (text.StartsWith(FirstPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0
                || !int.TryParse(text.AsSpan(FirstPrefix.Length, colon - FirstPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                || count < 1
                || count > MaxFirstRequests)
            {
                error = $"Simulator fault prefix '{text}' is invalid: a counting window is written 'first-N:faults' with N from 1 to {MaxFirstRequests.ToString(CultureInfo.InvariantCulture)}, for example 'first-2:500'.";
                return false;
            }

            first = count;
            list = text[(colon + 1)..];
        }

        var faults = list.Split(',', StringSplitOptions.TrimEntries);
        if (faults.Any(string.IsNullOrEmpty))
        {
            error = $"Simulator fault prefix '{text}' names no fault or has an empty entry. Known faults: {SimulatorFault.KnownFaults}.";
            return false;
        }

        foreach (var fault in faults)
        {
            // Validated here, not only when applied, so a prefix is refused the same way inside and outside its window.
            if (!SimulatorFault.TryParse(fault, out _, out error))
            {
                return false;
            }
        }

        prefix = new SimulatorFaultPrefix(text, first, faults);
        error = null;
        return true;
    }
}
