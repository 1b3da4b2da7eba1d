namespace Warden.Server.Billing;

/// <summary>How a ledger reservation ended.</summary>
internal enum ReserveStatus
{
    /// <summary>The amount is now held for the request.</summary>
    Reserved,

    /// <summary>This request id already holds (or held) a reservation; nothing new was taken.</summary>
    AlreadyReserved,

    /// <summary>The account's balance cannot cover the amount.</summary>
    InsufficientCredit,

    /// <summary>A budget of the tenant or key would be exceeded.</summary>
    BudgetExceeded,

    /// <summary>The account does not exist.</summary>
    NoAccount,
}
