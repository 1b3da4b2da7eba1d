using System.Diagnostics.CodeAnalysis;

namespace Warden.Server.Simulator;

/// <summary>The faults that apply to one request, merged from the /_fault/ URL prefix, the model-name suffix and the x-simulator-fault header.</summary>
internal sealed class SimulatorFaultPlan
{
    public const string HeaderName = "x-simulator-fault";

    private SimulatorFaultPlan(IReadOnlyList<SimulatorFault> faults)
    {
        Faults = faults;
        Description = faults.Count == 0 ? null : string.Join(',', faults.Select(f => f.Text));
        foreach (var fault in faults)
        {
            var value = fault.Parameter ?? 0;
            switch (fault.Kind)
            {
                case SimulatorFaultKind.Latency: LatencyMs = value; break;
                case SimulatorFaultKind.Stall: StallMs = value; break;
                case SimulatorFaultKind.Pace: PaceMs = value; break;
                case SimulatorFaultKind.UsageDelay: UsageDelayMs = value; break;
                case SimulatorFaultKind.Echo: Echo = true; break;
                case SimulatorFaultKind.Disconnect: DisconnectAfterChunks = value; break;
                case SimulatorFaultKind.Huge: HugeKilobytes = value; break;
                case SimulatorFaultKind.Long: LongKilobytes = value; break;
                case SimulatorFaultKind.Malformed: Malformed = true; break;
                case SimulatorFaultKind.NoUsage: NoUsage = true; break;
                case SimulatorFaultKind.MidstreamError: MidstreamError = true; break;
                case SimulatorFaultKind.Reset: ResetAboveBytes = value; break;
                default: ErrorStatus = fault; break;
            }
        }
    }

    public IReadOnlyList<SimulatorFault> Faults { get; }

    /// <summary>Canonical comma-separated form for the journal; null when no fault applies.</summary>
    public string? Description { get; }

    public int LatencyMs { get; }

    public int StallMs { get; }

    public int? PaceMs { get; }

    /// <summary>usagedelay-N: the pause between a stream's finish and its separate usage event (Chat), 0 for none.</summary>
    public int UsageDelayMs { get; }

    /// <summary>echo: the answer repeats the request's texts (<see cref="SimulatorChatRequest.EchoText"/>).</summary>
    public bool Echo { get; }

    public int? DisconnectAfterChunks { get; }

    public int? HugeKilobytes { get; }

    /// <summary>long-N: an answer of N KiB of text in ordinary small chunks (huge-N wins when both are given).</summary>
    public int? LongKilobytes { get; }

    public bool Malformed { get; }

    public bool NoUsage { get; }

    /// <summary>Streamed answers stop after about half their deltas with the dialect's in-stream error; non-streamed ones get a 500.</summary>
    public bool MidstreamError { get; }

    /// <summary>reset-N: a request body larger than this many bytes gets its connection reset, unread.</summary>
    public int? ResetAboveBytes { get; }

    /// <summary>The 429/500/503/529 fault that replaces the answer, if any.</summary>
    public SimulatorFault? ErrorStatus { get; }

    /// <summary>Merges suffix faults with header faults; see the overload with path faults.</summary>
    public static bool TryCreate(
        string? header,
        IReadOnlyList<string> modelSuffixFaults,
        [NotNullWhen(true)] out SimulatorFaultPlan? plan,
        [NotNullWhen(false)] out string? error) =>
        TryCreate([], modelSuffixFaults, header, out plan, out error);

    /// <summary>
    /// Merges, in this order, path faults ("/_fault/500,nousage/v1/"), suffix faults ("sim-small~429~nousage")
    /// and header faults ("latency-50,nousage"). Faults of the same kind override earlier ones, so the suffix
    /// beats the path and the header beats both; 429/500/503/529 count as one kind because a response can only
    /// have one status.
    /// </summary>
    public static bool TryCreate(
        IReadOnlyList<string> pathFaults,
        IReadOnlyList<string> modelSuffixFaults,
        string? header,
        [NotNullWhen(true)] out SimulatorFaultPlan? plan,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(pathFaults);
        ArgumentNullException.ThrowIfNull(modelSuffixFaults);
        var merged = new List<SimulatorFault>();
        plan = null;
        var headerFaults = string.IsNullOrWhiteSpace(header)
            ? []
            : header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var token in pathFaults.Concat(modelSuffixFaults).Concat(headerFaults))
        {
            if (!TryMerge(token, merged, out error))
            {
                return false;
            }
        }

        plan = new SimulatorFaultPlan(merged);
        error = null;
        return true;
    }

    private static bool TryMerge(string token, List<SimulatorFault> merged, [NotNullWhen(false)] out string? error)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            error = null;
            return true;
        }

        if (!SimulatorFault.TryParse(token, out var fault, out error))
        {
            return false;
        }

        merged.RemoveAll(existing => existing.Kind == fault.Kind || (existing.IsErrorStatus && fault.IsErrorStatus));
        merged.Add(fault);
        return true;
    }
}
