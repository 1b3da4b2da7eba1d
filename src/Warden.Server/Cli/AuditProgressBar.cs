using System.Collections.Concurrent;
using Spectre.Console;
using Warden.Server.Audit;

namespace Warden.Server.Cli;

/// <summary>Progress on an interactive terminal: one Spectre.Console bar per check, filled by the requests it sent.</summary>
internal sealed class AuditProgressBar(ProgressContext context) : IAuditProgress
{
    private readonly ConcurrentDictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);

    public void CheckStarted(IAuditCheck check, int requestBudget) =>
        _tasks[check.Id] = context.AddTask(Markup.Escape(check.Title), maxValue: Math.Max(requestBudget, 1));

    public void Advanced(IAuditCheck check, int requests)
    {
        if (_tasks.TryGetValue(check.Id, out var task))
        {
            task.Increment(requests);
        }
    }

    public void CheckFinished(IAuditCheck check, AuditCheckResult result)
    {
        if (_tasks.TryGetValue(check.Id, out var task))
        {
            task.Description = Markup.Escape($"{check.Title}: {AuditSummary.VerdictWord(result.Verdict)}");
            task.Value = task.MaxValue;
            task.StopTask();
        }
    }
}
