namespace Warden.Core.Providers;

/// <summary>Known deviations of OpenAI-compatible vendors, as flags the adapter consults.</summary>
[Flags]
public enum ProviderQuirks
{
    None = 0,

    /// <summary>
    /// The provider rejects or ignores <c>stream_options.include_usage</c>, so streamed calls cannot
    /// be asked for usage and are recorded as not reported.
    /// </summary>
    NoStreamUsageOption = 1,

    /// <summary>The upstream is on this machine or the operator's network: loopback and private addresses are expected.</summary>
    LocalNetwork = 2,
}
