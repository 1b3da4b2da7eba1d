namespace Warden.Server.Audit;

/// <summary>One check's outcome: the verdict, its statistics and the evidence for the reports.</summary>
internal sealed record AuditCheckResult
{
    public required string Id { get; init; }

    public required string Title { get; init; }

    public required AuditVerdict Verdict { get; init; }

    /// <summary>One sentence for the terminal line: what was found or why nothing was.</summary>
    public required string Summary { get; init; }

    /// <summary>The test's p-value, when the check is a hypothesis test.</summary>
    public double? PValue { get; init; }

    /// <summary>What <see cref="Effect"/> measures ("MMD²", "inflation ratio", "recall at 24K tokens").</summary>
    public string? EffectName { get; init; }

    public double? Effect { get; init; }

    /// <summary>The confidence interval of <see cref="Effect"/> at 1 − alpha, when the check gives one.</summary>
    public double? CiLow { get; init; }

    public double? CiHigh { get; init; }

    /// <summary>Requests this check sent, target and reference together.</summary>
    public int Requests { get; init; }

    /// <summary>Tokens those requests reported, input plus output.</summary>
    public long Tokens { get; init; }

    /// <summary>Individual findings, each one line ("answer 7 called get_weather, which was not declared").</summary>
    public IReadOnlyList<string> Findings { get; init; } = [];

    public IReadOnlyList<AuditChart> Charts { get; init; } = [];
}
