using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Warden.Server.Simulator;

/// <summary>
/// What a dishonest relay does to answers (issue 21's `warden simulate --dishonest MODE`), so that every check of
/// `warden audit` can be tested without a real provider. Each mode is off when null or false; any combination applies
/// to every request, in every dialect, streamed or not.
/// </summary>
internal sealed record SimulatorDishonesty
{
    public static SimulatorDishonesty Honest { get; } = new();

    /// <summary>substitute=MODEL: answers as MODEL (vocabulary, style, identity) while the model field names the requested one.</summary>
    public string? Substitute { get; init; }

    /// <summary>inflate=FACTOR: every reported token count is multiplied by FACTOR and rounded; the text is unchanged.</summary>
    public double? Inflate { get; init; }

    /// <summary>
    /// truncate-context=N: only the last N messages (the system prompt kept) are read. The reported usage still counts the
    /// whole prompt, as a relay that cuts context to save compute still bills it; only what the model knows changes.
    /// </summary>
    public int? TruncateContext { get; init; }

    /// <summary>cap-output=N: visible text is cut after N tokens and the finish reason says "stop".</summary>
    public int? CapOutput { get; init; }

    /// <summary>replay: an answer is cached by the request's conversation and replayed byte-identical, temperature ignored.</summary>
    public bool Replay { get; init; }

    /// <summary>inject-tool: a call to <see cref="SimulatorInjectedCall.ToolName"/>, which no request declares, is added to every answer.</summary>
    public bool InjectTool { get; init; }

    public bool IsHonest => this == Honest;

    /// <summary>The modes as the command line spells them, comma-separated ("" when honest).</summary>
    public string Description
    {
        get
        {
            var modes = new List<string>();
            if (Substitute is not null)
            {
                modes.Add("substitute=" + Substitute);
            }

            if (Inflate is double factor)
            {
                modes.Add("inflate=" + factor.ToString(CultureInfo.InvariantCulture));
            }

            if (TruncateContext is int keep)
            {
                modes.Add("truncate-context=" + keep.ToString(CultureInfo.InvariantCulture));
            }

            if (CapOutput is int cap)
            {
                modes.Add("cap-output=" + cap.ToString(CultureInfo.InvariantCulture));
            }

            if (Replay)
            {
                modes.Add("replay");
            }

            if (InjectTool)
            {
                modes.Add("inject-tool");
            }

            return string.Join(", ", modes);
        }
    }

    /// <summary>Reads the command line's modes; <paramref name="error"/> says which one is wrong and why.</summary>
    public static bool TryParse(
        IEnumerable<string> modes,
        [NotNullWhen(true)] out SimulatorDishonesty? dishonesty,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(modes);
        dishonesty = Honest;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mode in modes)
        {
            var equals = mode.IndexOf('=', StringComparison.Ordinal);
            var name = (equals < 0 ? mode : mode[..equals]).Trim();
            var value = equals < 0 ? null : mode[(equals + 1)..].Trim();
            if (!seen.Add(name))
            {
                error = $"--dishonest {name} is given twice.";
                dishonesty = null;
                return false;
            }

            SimulatorDishonesty? next = (name, value) switch
            {
                ("substitute", { } model) when SimulatorModels.IsKnown(model) => dishonesty with { Substitute = model },
                ("inflate", { } text) when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var factor)
                    && double.IsFinite(factor) && factor > 0 && factor <= 1000 => dishonesty with { Inflate = factor },
                ("truncate-context", { } text) when PositiveInt(text) is int keep => dishonesty with { TruncateContext = keep },
                ("cap-output", { } text) when PositiveInt(text) is int cap => dishonesty with { CapOutput = cap },
                ("replay", null) => dishonesty with { Replay = true },
                ("inject-tool", null) => dishonesty with { InjectTool = true },
                _ => null,
            };
            if (next is null)
            {
                error = Explain(name, value);
                dishonesty = null;
                return false;
            }

            dishonesty = next;
        }

        error = null;
        return true;
    }

    private static int? PositiveInt(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= 1 ? value : null;

    private static string Explain(string name, string? value) => name switch
    {
        "substitute" => $"--dishonest substitute=MODEL needs one of the simulated models ({string.Join(", ", SimulatorModels.Names)}); got '{value}'.",
        "inflate" => $"--dishonest inflate=FACTOR needs a number above 0 and at most 1000 (e.g. 1.3); got '{value}'.",
        "truncate-context" => $"--dishonest truncate-context=N needs a whole number of messages of at least 1; got '{value}'.",
        "cap-output" => $"--dishonest cap-output=N needs a whole number of tokens of at least 1; got '{value}'.",
        "replay" or "inject-tool" => $"--dishonest {name} takes no value; got '{value}'.",
        _ => $"Unknown --dishonest mode '{name}'. Modes: substitute=MODEL, inflate=FACTOR, truncate-context=N, cap-output=N, replay, inject-tool.",
    };
}
