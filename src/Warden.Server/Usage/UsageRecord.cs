namespace Warden.Server.Usage;

/// <summary>
/// One request's metering, with no prompt or answer content and no key material: only ids, model names,
/// counts and timings.
/// </summary>
/// <param name="Id">The request id (UUIDv7) the client saw in x-request-id.</param>
/// <param name="KeyId">The client key's id; null when the request was not authenticated.</param>
/// <param name="RequestedModel">The model the client asked for.</param>
/// <param name="ServedModel">The model as the upstream reported it.</param>
/// <param name="ChannelId">The channel that served it.</param>
/// <param name="UpstreamRequestId">The upstream's own request id.</param>
/// <param name="Status">HTTP status the client got (499 when the client went away first).</param>
/// <param name="Outcome">What happened, as a short code.</param>
/// <param name="Streamed">Whether the client asked for a stream.</param>
/// <param name="Usage">Upstream-reported usage.</param>
/// <param name="LatencyMs">From request start to the last byte written.</param>
/// <param name="TimeToFirstByteMs">From request start to the first body byte sent, when one was sent.</param>
/// <param name="CreatedAt">When the request arrived.</param>
internal sealed record UsageRecord(
    string Id,
    string? KeyId,
    string? RequestedModel,
    string? ServedModel,
    string? ChannelId,
    string? UpstreamRequestId,
    int Status,
    string Outcome,
    bool Streamed,
    Core.Chat.Usage Usage,
    double LatencyMs,
    double? TimeToFirstByteMs,
    DateTimeOffset CreatedAt)
{
    /// <summary>The request's signed receipt (compact JWS), stored in the same transaction; null when none was issued.</summary>
    public string? Receipt { get; init; }

    /// <summary>The transfer register's row, when the request left its home jurisdiction (issue 20); stored in the same transaction.</summary>
    public Residency.TransferRecord? Transfer { get; init; }
}
