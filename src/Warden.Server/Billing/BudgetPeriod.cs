namespace Warden.Server.Billing;

/// <summary>The window a budget limits spending over.</summary>
internal enum BudgetPeriod
{
    /// <summary>The current UTC calendar day.</summary>
    Daily,

    /// <summary>The current UTC calendar month.</summary>
    Monthly,

    /// <summary>All time.</summary>
    Total,
}
