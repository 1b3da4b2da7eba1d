using System.Globalization;
using Warden.Server.Audit;

namespace Warden.Server.Cli;

/// <summary>Progress as plain lines, one when a check starts and one when it ends: for logs, pipes and tests.</summary>
internal sealed class AuditProgressLines(TextWriter output) : IAuditProgress
{
    private readonly Lock _lock = new();

    public void CheckStarted(IAuditCheck check, int requestBudget)
    {
        lock (_lock)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"running {check.Id}: {check.Title} (up to {requestBudget} requests)"));
        }
    }

    public void Advanced(IAuditCheck check, int requests)
    {
    }

    public void CheckFinished(IAuditCheck check, AuditCheckResult result)
    {
        lock (_lock)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"finished {check.Id}: {AuditSummary.VerdictWord(result.Verdict)} after {result.Requests} requests"));
        }
    }
}
