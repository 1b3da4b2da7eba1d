namespace Warden.Core.Protection;

/// <summary>What a <see cref="PersonalDataDetector"/> looks for beyond the built-in recognisers.</summary>
public sealed record PersonalDataDetectorOptions
{
    /// <summary>At most this many operator patterns.</summary>
    public const int MaxCustomPatterns = 32;

    /// <summary>At most this many characters per operator pattern.</summary>
    public const int MaxPatternLength = 512;

    /// <summary>Operator-defined patterns, each with a distinct name.</summary>
    public IReadOnlyList<CustomPersonalDataPattern> CustomPatterns { get; init; } = [];

    /// <summary>
    /// How long one operator pattern may run on one text. NonBacktracking is linear, so this is a second fence for
    /// very large texts; a text on which it fires counts as not inspected.
    /// </summary>
    public TimeSpan PatternTimeout { get; init; } = TimeSpan.FromMilliseconds(100);
}
