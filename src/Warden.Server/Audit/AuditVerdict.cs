namespace Warden.Server.Audit;

internal enum AuditVerdict
{
    /// <summary>Nothing found at the chosen significance.</summary>
    Pass,

    /// <summary>The check found what it looks for (a substitution, inflation, cut context...).</summary>
    Fail,

    /// <summary>The check could not decide (not enough successful answers within the budget, no usage reported...).</summary>
    Inconclusive,

    /// <summary>Not applicable here (no reference given, no receipts served...).</summary>
    Skipped,
}
