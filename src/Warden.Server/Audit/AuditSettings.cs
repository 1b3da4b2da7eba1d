namespace Warden.Server.Audit;

/// <summary>The run's parameters that checks read: significance, budget, seed and the user's expectations.</summary>
internal sealed record AuditSettings
{
    /// <summary>Significance level per check.</summary>
    public double Alpha { get; init; } = 0.01;

    /// <summary>The whole run's request budget (target and reference together), shared out by the runner.</summary>
    public int MaxRequests { get; init; } = 600;

    /// <summary>Seeds the prompt choice and the permutation tests, so a run can be repeated.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Upstream hosts the user expects receipts to name (<c>--expect-upstream-host</c>); empty checks none.</summary>
    public IReadOnlyList<string> ExpectUpstreamHosts { get; init; } = [];

    /// <summary>The context window to probe up to when the endpoint declares none (<c>--context-window</c>).</summary>
    public long? ContextWindow { get; init; }
}
