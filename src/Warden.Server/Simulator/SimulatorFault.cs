using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Warden.Server.Simulator;

/// <summary>One injected fault, parsed from "name" or "name-N"; Text is the canonical spelling recorded in the journal.</summary>
internal readonly record struct SimulatorFault(SimulatorFaultKind Kind, int? Parameter, string Text)
{
    public const string KnownFaults =
        "latency-N, 429, 429-N, 500, 503, 529, disconnect-N, malformed, midstream-error, nousage, stall-N, huge-N, long-N, pace-N, reset-N, usagedelay-N, echo";

    /// <summary>The one fault whose name contains a dash; matched whole before the "name-N" split.</summary>
    public const string MidstreamErrorName = "midstream-error";

    // Ten minutes bounds every wait so a typo cannot pin a connection for hours.
    private const int MaxMilliseconds = 600_000;

    // 64 MiB is far beyond any sane response limit yet still fits comfortably in memory.
    private const int MaxKilobytes = 65_536;

    public bool IsErrorStatus => Kind is SimulatorFaultKind.RateLimited or SimulatorFaultKind.ServerError
        or SimulatorFaultKind.Unavailable or SimulatorFaultKind.Overloaded;

    public static bool TryParse(string token, out SimulatorFault fault, [NotNullWhen(false)] out string? error)
    {
        fault = default;
        var text = token.Trim().ToLowerInvariant();
        if (string.Equals(text, MidstreamErrorName, StringComparison.Ordinal))
        {
            fault = new SimulatorFault(SimulatorFaultKind.MidstreamError, null, text);
            error = null;
            return true;
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        var name = dash < 0 ? text : text[..dash];
        int? parameter = null;
        if (dash >= 0)
        {
            if (!int.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                error = $"Simulator fault '{token.Trim()}' has a parameter that is not a non-negative integer. Known faults: {KnownFaults}.";
                return false;
            }

            parameter = value;
        }

        (SimulatorFaultKind Kind, ParameterRule Rule, int Max)? shape = name switch
        {
            "latency" => (SimulatorFaultKind.Latency, ParameterRule.Required, MaxMilliseconds),
            "429" => (SimulatorFaultKind.RateLimited, ParameterRule.Optional, 86_400),
            "500" => (SimulatorFaultKind.ServerError, ParameterRule.None, 0),
            "503" => (SimulatorFaultKind.Unavailable, ParameterRule.None, 0),
            "529" => (SimulatorFaultKind.Overloaded, ParameterRule.None, 0),
            "disconnect" => (SimulatorFaultKind.Disconnect, ParameterRule.Optional, 1_000_000),
            "malformed" => (SimulatorFaultKind.Malformed, ParameterRule.None, 0),
            "nousage" => (SimulatorFaultKind.NoUsage, ParameterRule.None, 0),
            "stall" => (SimulatorFaultKind.Stall, ParameterRule.Required, MaxMilliseconds),
            "huge" => (SimulatorFaultKind.Huge, ParameterRule.Required, MaxKilobytes),
            "long" => (SimulatorFaultKind.Long, ParameterRule.Required, MaxKilobytes),
            "pace" => (SimulatorFaultKind.Pace, ParameterRule.Required, MaxMilliseconds),
            "reset" => (SimulatorFaultKind.Reset, ParameterRule.Required, int.MaxValue),
            "usagedelay" => (SimulatorFaultKind.UsageDelay, ParameterRule.Required, MaxMilliseconds),
            SimulatorEchoText.FaultName => (SimulatorFaultKind.Echo, ParameterRule.None, 0),
            _ => null,
        };

        if (shape is not { } s)
        {
            error = $"Unknown simulator fault '{token.Trim()}'. Known faults: {KnownFaults}.";
            return false;
        }

        switch (s.Rule)
        {
            case ParameterRule.None when parameter is not null:
                error = $"Simulator fault '{name}' takes no parameter.";
                return false;
            case ParameterRule.Required when parameter is null:
                error = $"Simulator fault '{name}' needs a parameter: '{name}-N'.";
                return false;
            case not ParameterRule.None when parameter > s.Max:
                error = $"Simulator fault '{token.Trim()}' is out of range: N must be at most {s.Max.ToString(CultureInfo.InvariantCulture)}.";
                return false;
        }

        if (s.Kind is SimulatorFaultKind.Huge or SimulatorFaultKind.Long && parameter == 0)
        {
            error = $"Simulator fault '{name}-0' is out of range: N must be at least 1.";
            return false;
        }

        fault = new SimulatorFault(s.Kind, parameter, text);
        error = null;
        return true;
    }

    private enum ParameterRule
    {
        None,
        Optional,
        Required,
    }
}
