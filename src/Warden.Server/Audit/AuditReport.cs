namespace Warden.Server.Audit;

/// <summary>A whole audit run, as the terminal summary, the JSON document and the HTML report show it.</summary>
internal sealed record AuditReport
{
    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset FinishedAt { get; init; }

    public required Uri TargetUrl { get; init; }

    public required string TargetModel { get; init; }

    public required AuditProtocol Protocol { get; init; }

    public Uri? ReferenceUrl { get; init; }

    public string? ReferenceModel { get; init; }

    public required AuditSettings Settings { get; init; }

    public required IReadOnlyList<AuditCheckResult> Checks { get; init; }

    /// <summary>1 when any check failed, else 0 (2, a usage or connection error, produces no report).</summary>
    public int ExitCode => Checks.Any(static check => check.Verdict == AuditVerdict.Fail) ? 1 : 0;
}
