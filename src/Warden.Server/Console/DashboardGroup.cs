namespace Warden.Server.Console;

/// <summary>One row of a dashboard table (a model, a channel, a tenant, or the total).</summary>
/// <param name="Name">The model, channel or tenant name; empty for the total.</param>
/// <param name="Requests">Requests in the window.</param>
/// <param name="Errors">Requests whose status was not 2xx.</param>
/// <param name="Tokens">Reported input plus output tokens.</param>
/// <param name="Spend">Charged cost per currency, in micro-units.</param>
/// <param name="LatencyP50Ms">Median latency (request start to last byte).</param>
/// <param name="LatencyP95Ms">95th percentile latency.</param>
/// <param name="FirstTokenP50Ms">Median time to first byte of the answer, over requests that sent one.</param>
internal sealed record DashboardGroup(
    string Name,
    long Requests,
    long Errors,
    long Tokens,
    IReadOnlyDictionary<string, long> Spend,
    double? LatencyP50Ms,
    double? LatencyP95Ms,
    double? FirstTokenP50Ms)
{
    public double ErrorRate => Requests == 0 ? 0 : (double)Errors / Requests;
}
