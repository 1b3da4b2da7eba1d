namespace Warden.Server.Routing;

/// <summary>What the operator sees of one key's passive health (admin API, console); no traffic content.</summary>
/// <param name="State">"closed", "open", "half-open" or "cooling".</param>
/// <param name="ConsecutiveFailures">Health failures since the last success.</param>
/// <param name="CoolingUntil">End of a 429/503 cool-down still in force.</param>
/// <param name="OpenUntil">When an open circuit lets its probe through; stays set while half-open.</param>
/// <param name="LatencyMs">Moving average of time to first byte; null before any success.</param>
internal sealed record KeyHealthSnapshot(string State, int ConsecutiveFailures, DateTimeOffset? CoolingUntil, DateTimeOffset? OpenUntil, double? LatencyMs);
