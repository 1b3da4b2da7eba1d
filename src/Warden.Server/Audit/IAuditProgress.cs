namespace Warden.Server.Audit;

/// <summary>Where the runner reports how far the audit is: a progress bar on a terminal, plain lines otherwise.</summary>
internal interface IAuditProgress
{
    void CheckStarted(IAuditCheck check, int requestBudget);

    /// <summary>Requests just completed by the running check (called from the check's own tasks).</summary>
    void Advanced(IAuditCheck check, int requests);

    void CheckFinished(IAuditCheck check, AuditCheckResult result);
}
