namespace Warden.Core.Chat;

public enum UsageSource
{
    /// <summary>The upstream sent no usage for this call.</summary>
    NotReported = 0,

    /// <summary>Numbers as the upstream reported them.</summary>
    Reported = 1,

    /// <summary>Numbers Warden estimated because the upstream reported none.</summary>
    Estimated = 2,
}
