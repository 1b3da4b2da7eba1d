namespace Warden.Server.Simulator;

/// <summary>
/// What the simulator did with one chat completion request. Deliberately holds no prompt or answer
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
/// ReasoningVerified is null when there were none, else whether all of them verified.
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
    bool? ReasoningVerified = null);
