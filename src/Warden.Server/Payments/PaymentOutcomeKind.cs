namespace Warden.Server.Payments;

internal enum PaymentOutcomeKind
{
    /// <summary>This notification credited its order.</summary>
    Credited,

    /// <summary>The order was credited before (a replay, or a second event of one payment): nothing credited now.</summary>
    AlreadyCredited,

    /// <summary>Genuine, nothing to credit.</summary>
    Ignored,

    /// <summary>Forged, stale, or not matching its order: nothing credited.</summary>
    Rejected,
}
