namespace Warden.Server.Simulator;

/// <summary>
/// What a "/_fault/{faults}/" prefix means for one request: the prefix text (for the journal), the fault tokens
/// that apply to it (none once a first-N window has passed) or why the prefix is invalid. Created by the host's
/// first middleware, which also strips the prefix from the path so every route matches as without it.
/// </summary>
internal sealed class SimulatorPathFaults
{
    private static readonly object ItemKey = new();

    private SimulatorPathFaults(string prefix, IReadOnlyList<string> faults, string? error)
    {
        Prefix = prefix;
        Faults = faults;
        Error = error;
    }

    public string Prefix { get; }

    public IReadOnlyList<string> Faults { get; }

    /// <summary>Why the prefix is invalid; the request is then answered with 400 invalid_simulator_fault.</summary>
    public string? Error { get; }

    private SimulatorFaultPrefix? Parsed { get; init; }

    /// <summary>
    /// Strips a "/_fault/{faults}" prefix from the request path (moving it to PathBase) and records what it
    /// means for this request. Does nothing for paths without the prefix.
    /// </summary>
    public static void Strip(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (!SimulatorFaultPrefix.TrySplitPath(request.Path, out var segment, out var rest))
        {
            return;
        }

        request.PathBase = request.PathBase.Add(new PathString(SimulatorFaultPrefix.Segment + "/" + segment));
        request.Path = rest;
        context.Items[ItemKey] = SimulatorFaultPrefix.TryParse(segment, out var prefix, out var error)
            ? new SimulatorPathFaults(segment, prefix.Faults, null) { Parsed = prefix }
            : new SimulatorPathFaults(segment, [], error);
    }

    /// <summary>Applies a first-N window: counts this request and drops the faults when it is past the window.</summary>
    public static void Count(HttpContext context, SimulatorFaultCounters counters)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(counters);
        if (Get(context) is { Parsed: { FirstRequests: { } first } prefix } && counters.Next(prefix.Text) > first)
        {
            context.Items[ItemKey] = new SimulatorPathFaults(prefix.Text, [], null) { Parsed = prefix };
        }
    }

    /// <summary>The path faults of a request; null when it came without a prefix.</summary>
    public static SimulatorPathFaults? Get(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items[ItemKey] as SimulatorPathFaults;
    }
}
