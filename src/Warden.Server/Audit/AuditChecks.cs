namespace Warden.Server.Audit;

/// <summary>Every check <c>warden audit</c> can run, one instance each (checks keep no state between runs).</summary>
internal static class AuditChecks
{
    // TODO(issue 21): the six checks of wt-auditstats (SubstitutionCheck, UsageCheck, ContextCheck, OutputCheck,
    // ReplayCheck, ToolsCheck) and ReceiptsCheck of wt-auditreport go here when their branches are merged; a check id
    // without an implementation is reported as skipped by the runner.
    public static IReadOnlyList<IAuditCheck> All() => [];
}
