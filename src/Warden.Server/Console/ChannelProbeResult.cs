namespace Warden.Server.Console;

/// <summary>What the console's test button shows: how long the channel took, which model served, what it counted; never the answer.</summary>
/// <param name="Ok">The upstream answered with a success status.</param>
/// <param name="Model">The model asked for.</param>
/// <param name="ServedModel">The model the upstream reported, when it did.</param>
/// <param name="LatencyMs">From sending to the whole answer read.</param>
/// <param name="InputTokens">Reported input tokens, if reported.</param>
/// <param name="OutputTokens">Reported output tokens, if reported.</param>
/// <param name="Error">The classified upstream error (kind and Warden's message), when it failed.</param>
internal sealed record ChannelProbeResult(bool Ok, string Model, string? ServedModel, double LatencyMs, long? InputTokens, long? OutputTokens, string? Error);
