using Warden.Server.Audit.Checks;

namespace Warden.Server.Audit;

/// <summary>Every check <c>warden audit</c> can run, one instance each (checks keep no state between runs).</summary>
internal static class AuditChecks
{
    public static IReadOnlyList<IAuditCheck> All() =>
        [new SubstitutionCheck(), new UsageCheck(), new ContextCheck(), new OutputCheck(), new ReplayCheck(), new ToolsCheck(), new ReceiptsCheck()];
}
