namespace Warden.Server.Simulator;

/// <summary>
/// What the simulator did with one answering request (any dialect, token counts included). Deliberately holds no prompt or answer
/// text so the journal can be exposed over HTTP and kept in memory without leaking content.
/// </summary>
/// <remarks>
/// SimRequestId is also the x-request-id response header. Model has any fault suffix removed (null
/// when the body had none). Fault is the effective faults in canonical form ("latency-50,nousage").
/// StatusCode is 0 when the connection ended before any status was sent. Usage is what was actually
/// sent to the client (null when nothing was). FinishedAt is when the answer completed or when the
/// cancellation or fault was observed; both times come from the injected TimeProvider. Dialect is
/// the wire protocol ("openai_chat", "anthropic", "responses", "gemini"). EchoedReasoning counts the
/// opaque reasoning strings (signatures, encrypted_content, thoughtSignatures) the request sent back;
/// ReasoningVerified is null when there were none, else whether all of them verified. FaultPrefix is the
/// "{faults}" of a "/_fault/{faults}/" URL prefix (null without one), recorded even when a first-N window has
/// passed and no fault applied. CancelledAt is when the simulator saw the client abandon the request: taken in
/// the RequestAborted callback (so it is the moment of observation, not when the handler unwound), or when a
/// write found the client gone if that came first; it is set only when Outcome is ClientCancelled, so a client
/// that closes right after a complete answer, or a disconnect-N fault cutting the connection, leave it null.
/// TraceParent is the W3C traceparent header the request carried (trace and span ids, no content), null without one.
/// </remarks>
internal sealed record SimulatorJournalEntry(
    string SimRequestId,
    string? Model,
    bool Stream,
    bool IncludeUsage,
    string? Fault,
    SimulatorOutcome Outcome,
    int StatusCode,
    SimulatorUsage? Usage,
    DateTimeOffset ReceivedAt,
    DateTimeOffset FinishedAt,
    string Dialect = "openai_chat",
    int EchoedReasoning = 0,
    bool? ReasoningVerified = null,
    string? FaultPrefix = null,
    DateTimeOffset? CancelledAt = null,
    string? TraceParent = null);
