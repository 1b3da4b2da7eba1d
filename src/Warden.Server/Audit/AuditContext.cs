namespace Warden.Server.Audit;

/// <summary>What a check runs against: the target, the optional reference, its share of the budget and a progress sink.</summary>
internal sealed class AuditContext
{
    public required IAuditTarget Target { get; init; }

    /// <summary>The trusted endpoint to compare with; null when the user gave none.</summary>
    public IAuditTarget? Reference { get; init; }

    public required AuditSettings Settings { get; init; }

    /// <summary>The most requests this check may send, target and reference together.</summary>
    public required int RequestBudget { get; init; }

    /// <summary>Called with the number of requests just completed, for the progress bar.</summary>
    public Action<int> Progress { get; init; } = static _ => { };

    /// <summary>A generator seeded from <see cref="AuditSettings.Seed"/> and the check's id.</summary>
    public required Random Random { get; init; }
}
