namespace Warden.Core.Canonical;

/// <summary>
/// The closed set of events a streamed answer is made of. A stream decoder turns one upstream's SSE into these;
/// a stream encoder turns them into the client's SSE. Contract for decoders: exactly one
/// <see cref="MessageStarted"/> first; blocks are numbered from 0 in the order they start; at most one block is open
/// at a time (a decoder closes the open block before starting the next); <see cref="MessageFinished"/> and
/// <see cref="UsageReported"/> may come in either order, and usage may come more than once (the last wins).
/// </summary>
public abstract record StreamEvent;

/// <summary>The answer began. <paramref name="Model"/> is the upstream's own model string.</summary>
public sealed record MessageStarted(string Id, string Model, Chat.Usage? Usage) : StreamEvent;

/// <summary>The kind of a streamed block.</summary>
public enum BlockKind
{
    Text,
    Reasoning,

    /// <summary>Anthropic redacted_thinking: only opaque data, delivered whole in <see cref="BlockStarted.RedactedData"/>.</summary>
    RedactedReasoning,
    ToolCall,
}

/// <summary>A block began. Tool calls carry their id and name here; reasoning may carry an id (Responses item id).</summary>
public sealed record BlockStarted(int Index, BlockKind Kind, string? ToolCallId = null, string? ToolName = null) : StreamEvent
{
    /// <summary>Opaque redacted reasoning, for <see cref="BlockKind.RedactedReasoning"/>.</summary>
    public string? RedactedData { get; init; }

    /// <summary>A reasoning item id, when the origin has one (Responses rs_…).</summary>
    public string? ReasoningId { get; init; }
}

/// <summary>Text appended to the open text block.</summary>
public sealed record TextDelta(int Index, string Text) : StreamEvent;

/// <summary>
/// Reasoning appended to the open reasoning block: visible text, or the opaque signature / encrypted content
/// (usually in one piece at the end), kept byte-exact.
/// </summary>
public sealed record ReasoningDelta(int Index, string? Text, string? Signature = null, string? EncryptedContent = null) : StreamEvent;

/// <summary>A fragment of the open tool call's arguments JSON; the fragments concatenated are the arguments.</summary>
public sealed record ToolArgumentsDelta(int Index, string Json) : StreamEvent;

/// <summary>The open block ended.</summary>
public sealed record BlockStopped(int Index) : StreamEvent;

/// <summary>Usage so far (cumulative, canonical semantics); the last one seen is final.</summary>
public sealed record UsageReported(Chat.Usage Usage) : StreamEvent;

/// <summary>The model stopped, and why.</summary>
public sealed record MessageFinished(StopReason Reason, string? StopSequence = null) : StreamEvent;

/// <summary>The upstream reported an error inside its stream.</summary>
public sealed record StreamFailed(Providers.UpstreamErrorKind Kind, string Message) : StreamEvent;
