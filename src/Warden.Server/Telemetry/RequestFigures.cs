using Warden.Core.Canonical;

namespace Warden.Server.Telemetry;

/// <summary>What the metrics take from one finished relayed request: labels the operator chose, counts and times, no content.</summary>
/// <param name="Protocol">The client's protocol.</param>
/// <param name="RoutedModel">The requested model once it routed (an operator's model or alias); null when it never did.</param>
/// <param name="Outcome">The usage record's outcome code.</param>
/// <param name="Status">The HTTP status the client got (499 when it went away).</param>
/// <param name="Duration">Arrival to end.</param>
/// <param name="TimeToFirstToken">Arrival to the first byte sent, for a stream that committed; null otherwise.</param>
/// <param name="InputTokens">Reported (or estimated) input tokens; null when not reported.</param>
/// <param name="OutputTokens">Reported output tokens; null when not reported.</param>
/// <param name="CostMicros">The settled cost in micro-units; null when nothing was settled.</param>
/// <param name="Currency">The settlement's currency.</param>
internal readonly record struct RequestFigures(
    WireDialectName Protocol,
    string? RoutedModel,
    string Outcome,
    int Status,
    TimeSpan Duration,
    TimeSpan? TimeToFirstToken,
    long? InputTokens,
    long? OutputTokens,
    long? CostMicros,
    string? Currency);
