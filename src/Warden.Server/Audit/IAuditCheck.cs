namespace Warden.Server.Audit;

/// <summary>One check of <c>warden audit</c>. Checks never throw for what an endpoint answers; a broken endpoint makes
/// the check inconclusive (or failed, when breaking is the finding).</summary>
internal interface IAuditCheck
{
    /// <summary>The name used in <c>--checks</c> and in reports: see <see cref="AuditCheckIds"/>.</summary>
    string Id { get; }

    /// <summary>A short human title ("Model substitution").</summary>
    string Title { get; }

    /// <summary>The requests this check would like with the default settings (the runner scales shares to the budget).</summary>
    int DefaultRequests { get; }

    Task<AuditCheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken);
}
